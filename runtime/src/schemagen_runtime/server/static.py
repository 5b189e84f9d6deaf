"""A built single-page admin UI (WEBUI_DIR) under `/admin/`.

Files are served as they are, except `index.html`, whose `<base href>` is set to `/admin/` so the
app's relative URLs and router work from there. A path that names no file is one of the app's own
routes (a deep link such as `/admin/login`), answered with `index.html`, except under `assets/`,
where a missing file is a 404 (a script must never be answered with HTML). Fingerprinted assets are
cached for good; `index.html` is revalidated on every load."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

PREFIX = "/admin"
_BASE = re.compile(rb"<base\s+href=\"[^\"]*\"\s*/?>", re.I)
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
IMMUTABLE = b"public, max-age=31536000, immutable"


class StaticSite:
    def __init__(self, root: str) -> None:
        self.root = Path(root).resolve()
        if not (self.root / "index.html").is_file():
            raise ValueError(f"WEBUI_DIR {root} has no index.html (give the built dist/ directory)")
        self._index: bytes | None = None

    def index(self) -> bytes:
        if self._index is None:
            page = (self.root / "index.html").read_bytes()
            base = f'<base href="{PREFIX}/" />'.encode()
            page, found = _BASE.subn(base, page, count=1)
            if not found:
                page = re.sub(rb"<head[^>]*>", lambda m: m.group(0) + base, page, count=1, flags=re.I)
            self._index = page
        return self._index

    def lookup(self, path: str) -> tuple[int, bytes, bytes, list[tuple[bytes, bytes]]]:
        """(status, body, content type, headers) for a path under PREFIX."""
        rel = path[len(PREFIX) :].lstrip("/")  # the ASGI path is already percent-decoded
        if rel in ("", "index.html"):
            return self._page()
        if "\0" in rel:  # no file name holds one (and the OS calls would refuse it)
            return 404, b"", b"text/plain; charset=utf-8", []
        target = (self.root / rel).resolve()
        inside = target.is_relative_to(self.root)
        if inside and target.is_file():
            kind = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            cache = IMMUTABLE if rel.startswith("assets/") else b"no-cache"
            if kind.startswith("text/") or kind.endswith(("+xml", "json")):
                kind += "; charset=utf-8"
            return 200, target.read_bytes(), kind.encode(), [(b"cache-control", cache)]
        if rel.startswith("assets/") or not inside:
            return 404, b"", b"text/plain; charset=utf-8", []
        return self._page()  # one of the app's routes

    def _page(self) -> tuple[int, bytes, bytes, list[tuple[bytes, bytes]]]:
        return 200, self.index(), b"text/html; charset=utf-8", [(b"cache-control", b"no-cache")]
