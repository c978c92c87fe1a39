"""A TCP relay in front of the API server whose open connections can be made to go silent.

Why: a connection can die without either end being told (a dropped NAT or conntrack entry, a
load balancer replaced, a host gone from the network): no FIN, no RST, bytes just stop. A
SIGSTOPped API server does not show that, since its sockets live on and resume. ``silence()``
does: from then on, what either side sends on a connection already open is read and dropped,
and an end closing it is not passed on. Connections opened afterwards are relayed normally, as
a client that reconnects gets through.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["SilencingProxy"]


@dataclass
class _Connection:
    writers: list[asyncio.StreamWriter]
    pumps: list[asyncio.Task[None]] = field(default_factory=list)
    silent: bool = False


class SilencingProxy:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._connections: list[_Connection] = []
        self.port = 0

    async def __aenter__(self) -> SilencingProxy:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for connection in self._connections:
            for pump in connection.pumps:
                pump.cancel()
            for writer in connection.writers:
                writer.close()
        await self._server.wait_closed()

    def silence(self) -> int:
        """Every connection open now goes silent for good; returns how many there are."""
        live = [c for c in self._connections if not c.silent]
        for connection in live:
            connection.silent = True
        return len(live)

    async def _relay(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        connection = _Connection([client_writer, server_writer])
        self._connections.append(connection)
        connection.pumps = [
            asyncio.create_task(self._pump(connection, client_reader, server_writer)),
            asyncio.create_task(self._pump(connection, server_reader, client_writer)),
        ]
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*connection.pumps, return_exceptions=True)

    @staticmethod
    async def _pump(
        connection: _Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while data := await reader.read(65536):
            if not connection.silent:
                writer.write(data)
                await writer.drain()
        if not connection.silent:
            writer.close()
