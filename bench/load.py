"""A small HTTP/1.1 load generator: N keep-alive connections, one request in flight on each,
for a fixed time. asyncio Protocols (not streams) keep the client's cost per request low, since
client and server share this machine."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    failures: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class _Connection(asyncio.Protocol):
    def __init__(self, request: bytes, stop_at: float, done: asyncio.Future[None], counts: list[int]) -> None:
        self.request, self.stop_at, self.done, self.counts = request, stop_at, done, counts
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            start = head.find(b"content-length:")
            length = int(head[start + 15 : head.find(b"\r\n", start) if head.find(b"\r\n", start) > 0 else None])
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            self.counts[0 if head[9:12] == b"200" else 1] += 1
            self.buffer = self.buffer[total:]
            if time.perf_counter() >= self.stop_at:
                assert self.transport is not None
                self.transport.close()
                if not self.done.done():
                    self.done.set_result(None)
                return
            assert self.transport is not None
            self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def _run(host: str, port: int, request: bytes, connections: int, seconds: float) -> LoadResult:
    loop = asyncio.get_running_loop()
    counts = [0, 0]
    start = time.perf_counter()
    stop_at = start + seconds
    waits = []
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: _Connection(request, stop_at, d, counts), host, port)
        waits.append(done)
    await asyncio.wait_for(asyncio.gather(*waits), timeout=seconds + 30)
    return LoadResult(counts[0], time.perf_counter() - start, counts[1])


def http_request(host: str, port: int, path: str, body: bytes, token: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def run_load(host: str, port: int, request: bytes, connections: int = 16, seconds: float = 4.0) -> LoadResult:
    try:
        import uvloop

        return uvloop.run(_run(host, port, request, connections, seconds))
    except ImportError:
        return asyncio.run(_run(host, port, request, connections, seconds))
