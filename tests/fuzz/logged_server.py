"""The server under fuzz: tests/jmap_server.py's `Server`, with its output drained by a thread so
that a flood of logged tracebacks can never block it on a full pipe, and readable at any time (a
traceback is pinned on the request that caused it)."""

from __future__ import annotations

import signal
import subprocess
import threading
from dataclasses import dataclass, field

from jmap_server import Server


@dataclass
class LoggedServer(Server):
    lines: list[str] = field(default_factory=list)
    _drain: threading.Thread | None = None
    _seen: int = 0

    def start(self) -> LoggedServer:
        super().start()
        assert self.proc is not None and self.proc.stdout is not None
        stream = self.proc.stdout
        self._drain = threading.Thread(target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True)
        self._drain.start()
        return self

    def stop(self, sig: int = signal.SIGTERM) -> str:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._drain is not None:
            self._drain.join(timeout=10)
        self.proc = None
        return "".join(self.lines)

    def new_log(self) -> str:
        """What the server printed since the last call (read after a response, so the request's
        own log lines are in, since the server logs before it answers)."""
        text = "".join(self.lines[self._seen :])
        self._seen = len(self.lines)
        return text
