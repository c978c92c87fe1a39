"""The local dev stack: real Kafka, etcd and kube-apiserver with KServe's CRD, built into the user's
cache and started on free 127.0.0.1 ports, plus a stand-in for KServe's controller.

Used by the tests (``tests/conftest.py``) and by ``kserve-participant dev``.
"""

from kserve_participant.devstack.info import StackInfo
from kserve_participant.devstack.stack import ArtefactsMissing, Stack

__all__ = ["ArtefactsMissing", "Stack", "StackInfo"]
