"""`GET /api/schema`: the registry in the published format (written at generation time as the
package's `_registry/published.py`), served at a content address so clients can cache it for good:
`/api/schema` redirects to `/api/schema/<sha256>`, which is immutable and sent gzip-compressed to
clients that accept it."""

from __future__ import annotations

import gzip
import hashlib
import importlib
from dataclasses import dataclass

from ..descriptors import Registry

PATH = "/api/schema"
CACHE = b"private, max-age=31536000, immutable"  # private: it is served only with credentials


@dataclass(frozen=True)
class PublishedSchema:
    digest: str
    plain: bytes
    compressed: bytes

    @classmethod
    def load(cls, registry: Registry) -> PublishedSchema | None:
        """None if the package carries no published schema (generated before it did)."""
        try:
            module = importlib.import_module(f"{registry.project.package}._registry.published")
        except ImportError:
            return None
        plain = module.PUBLISHED.encode("utf-8")
        return cls(hashlib.sha256(plain).hexdigest(), plain, gzip.compress(plain, compresslevel=9, mtime=0))

    @property
    def path(self) -> str:
        return f"{PATH}/{self.digest}"
