"""Signal set-up for child processes that stand for a command typed at a terminal."""

from __future__ import annotations

import signal


def interactive_sigint() -> None:
    """Give the child the default Ctrl-C handling of an interactive shell.

    A test run started in the background (``make test &``, some CI runners) ignores SIGINT, and a
    child inherits that: Python then never raises KeyboardInterrupt, and a test of Ctrl-C would
    test nothing. Use as ``preexec_fn``.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
