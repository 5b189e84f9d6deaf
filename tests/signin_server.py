"""A generated server started with more environment variables than jmap_server.Server sets (the
sign-in settings ADMIN_USER, ADMIN_PASSWORD, ACCOUNTS, WEBUI_DIR, ...)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jmap_server import Server


class EnvServer(Server):
    def __init__(self, workdir: Path, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(workdir, **kwargs)
        self.env = env

    def start(self) -> Server:
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)  # Server.start passes its own environment on
        try:
            return super().start()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
