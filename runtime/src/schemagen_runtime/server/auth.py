"""Credentials: bearer tokens (and HTTP Basic) mapped to principals holding permissions.

`ADMIN_TOKEN` holds every permission. `CREDENTIALS` names a JSON file
`{"<token>": ["sysSpamDnsblSettingsGet", ...]}`. HTTP Basic accepts any user name with a known
token as the password (as API keys are used from Basic-only clients); the user name becomes the
principal's name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

CHALLENGE = 'Bearer realm="jmap", Basic realm="jmap", charset="UTF-8"'


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    permissions: frozenset[str] | None  # None: every permission
    account_id: str = field(init=False, compare=False)  # stable per name, opaque, RFC 8620 id alphabet

    def __post_init__(self) -> None:
        object.__setattr__(self, "account_id", "a" + hashlib.sha256(self.name.encode()).hexdigest()[:12])

    def may(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions


class CredentialError(ValueError):
    pass


def _unusable(token: str) -> str | None:
    """Why no Authorization header can carry this token (None: it can). The token is not quoted:
    it is a secret, and the message goes to a log."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in token):
        return "it holds a lone surrogate (not text)"
    if not token.isprintable():
        return "it holds a control character"
    if token != token.strip():
        return "it starts or ends with a space"
    return None


class Credentials:
    def __init__(self, tokens: dict[str, frozenset[str] | None]) -> None:
        # Keyed by digest: a dict lookup on a hash reveals nothing about how much of a token matched.
        self._by_digest = {_digest(t): (self._name(t, perms), perms) for t, perms in tokens.items()}
        self._seen: dict[str, Principal] = {}  # Authorization header → principal, for valid headers only

    @staticmethod
    def _name(token: str, perms: frozenset[str] | None) -> str:
        return "admin" if perms is None else "token-" + _digest(token).hex()[:8]

    @classmethod
    def load(cls, admin_token: str | None, credentials_file: str | None) -> Credentials:
        tokens: dict[str, frozenset[str] | None] = {}
        if credentials_file:
            try:
                data = json.loads(Path(credentials_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CredentialError(f"CREDENTIALS file {credentials_file}: {exc}") from exc
            if not isinstance(data, dict) or not all(
                isinstance(k, str) and k and isinstance(v, list) and all(isinstance(p, str) for p in v)
                for k, v in data.items()
            ):
                raise CredentialError(
                    f'CREDENTIALS file {credentials_file}: expected {{"<token>": ["<permission>", ...]}}'
                )
            for number, token in enumerate(data, 1):
                problem = _unusable(token)
                if problem:
                    raise CredentialError(f"CREDENTIALS file {credentials_file}: token {number} is unusable: {problem}")
            tokens.update({k: frozenset(v) for k, v in data.items()})
        if admin_token:
            problem = _unusable(admin_token)
            if problem:
                raise CredentialError(f"ADMIN_TOKEN is unusable: {problem}")
            tokens[admin_token] = None
        return cls(tokens)

    def _lookup(self, token: str) -> tuple[str, frozenset[str] | None] | None:
        return self._by_digest.get(_digest(token))

    def authenticate(self, authorization: str | None) -> Principal | None:
        if not authorization:
            return None
        known = self._seen.get(authorization)
        if known is not None:
            return known
        principal = self._authenticate(authorization)
        if principal is not None:
            if len(self._seen) >= 1024:  # bounded: forget everything rather than track recency
                self._seen.clear()
            self._seen[authorization] = principal
        return principal

    def _authenticate(self, authorization: str) -> Principal | None:
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "bearer" and value:
            found = self._lookup(value)
            return Principal(*found) if found else None
        if scheme == "basic" and value:
            try:
                user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            found = self._lookup(password) if sep else None
            return Principal(user or found[0], found[1]) if found else None
        return None
