"""Accounts that sign in with a password (the OAuth login page), and the brake on guessing.

Accounts come from the configuration at every start: `ADMIN_USER`/`ADMIN_PASSWORD` make an account
holding every permission, and `ACCOUNTS` names a JSON file
`{"<name>": {"password" | "passwordHash": "...", "permissions": ["sysDomainGet", ...]}}`
(`passwordHash` is an argon2 hash, e.g. from `python -c "import argon2; print(argon2.PasswordHasher().hash('pw'))"`).
Passwords are kept only as argon2id hashes (memory-hard), never in memory as text.

`LoginThrottle` slows guessing: after a few failures in a row an account, or a client address,
must wait before its next try, doubling with each further failure; the wait is enforced without
checking the password, so a guess made while waiting tells nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .auth import Principal

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the library's (RFC 9106 low-memory) parameters. argon2-cffi comes with the
    `server` extra: imported on first use, so importing the server package needs only the standard
    library and serve() can name the missing extra (serving.require_server_extra)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


class AccountError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    password_hash: str
    permissions: frozenset[str] | None  # None: every permission

    def principal(self) -> Principal:
        return Principal(self.name, self.permissions)


class Accounts:
    def __init__(self, accounts: dict[str, Account]) -> None:
        self._accounts = accounts
        # Checked when the name is unknown, so an unknown name costs what a wrong password does.
        self._decoy = _hasher().hash("decoy password")

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, name: str) -> bool:
        return name in self._accounts

    @classmethod
    def load(cls, admin_user: str | None, admin_password: str | None, accounts_file: str | None) -> Accounts:
        accounts: dict[str, Account] = {}
        if accounts_file:
            accounts.update(_read_accounts(accounts_file))
        if admin_user or admin_password:
            if not admin_user or not admin_password:
                raise AccountError("ADMIN_USER and ADMIN_PASSWORD must be set together")
            if admin_user != admin_user.strip() or not admin_user.isprintable():
                raise AccountError("ADMIN_USER must be printable text without surrounding spaces")
            accounts[admin_user] = Account(admin_user, _hasher().hash(admin_password), None)
        return cls(accounts)

    def verify(self, name: str, password: str) -> Principal | None:
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        account = self._accounts.get(name)
        try:
            _hasher().verify(account.password_hash if account else self._decoy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return account.principal() if account else None


def _read_accounts(path: str) -> dict[str, Account]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AccountError(f"ACCOUNTS file {path}: {exc}") from exc
    shape = '{"<name>": {"password" or "passwordHash": "...", "permissions": ["<permission>", ...]}}'
    if not isinstance(data, dict):
        raise AccountError(f"ACCOUNTS file {path}: expected {shape}")
    out = {}
    for name, body in data.items():
        out[name] = _account(path, name, body, shape)
    return out


def _account(path: str, name: str, body: Any, shape: str) -> Account:
    where = f"ACCOUNTS file {path}: account {name!r}"
    if not name or name != name.strip() or not name.isprintable() or not isinstance(body, dict):
        raise AccountError(f"ACCOUNTS file {path}: expected {shape}")
    unknown = set(body) - {"password", "passwordHash", "permissions"}
    if unknown:
        raise AccountError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    permissions = body.get("permissions", [])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise AccountError(f"{where}: 'permissions' must be a list of permission names")
    password, hashed = body.get("password"), body.get("passwordHash")
    if (password is None) == (hashed is None):
        raise AccountError(f"{where}: give exactly one of 'password' and 'passwordHash'")
    if hashed is not None:
        if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
            raise AccountError(f"{where}: 'passwordHash' must be an argon2 hash ($argon2id$...)")
    elif not isinstance(password, str) or not password:
        raise AccountError(f"{where}: 'password' must be non-empty text")
    else:
        hashed = _hasher().hash(password)
    return Account(name, hashed, frozenset(permissions))


@dataclass(slots=True)
class _Failures:
    count: int = 0
    blocked_until: float = 0.0


class LoginThrottle:
    """Per key ("account:<name>", "address:<ip>"): `free` failures in a row cost nothing, then each
    further one blocks the key for `first_wait` seconds, doubling up to `max_wait`. A success
    clears the account's count (not the address's: one good password must not unlock guessing
    at other accounts from the same address)."""

    MAX_KEYS = 10_000  # bounded memory: the oldest entries are forgotten first

    def __init__(self, free: int, first_wait: float, max_wait: float) -> None:
        self.free, self.first_wait, self.max_wait = free, first_wait, max_wait
        self._keys: dict[str, _Failures] = {}

    def wait(self, *keys: str) -> float:
        """Seconds until every key may try again (0: now)."""
        now = time.monotonic()
        return max((max(0.0, f.blocked_until - now) for k in keys if (f := self._keys.get(k))), default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            entry = self._keys.pop(key, None) or _Failures()
            entry.count += 1
            if entry.count >= self.free:
                wait = min(self.first_wait * 2 ** (entry.count - self.free), self.max_wait)
                entry.blocked_until = now + wait
            self._keys[key] = entry  # re-inserted: dict order is recency
        while len(self._keys) > self.MAX_KEYS:
            del self._keys[next(iter(self._keys))]

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)
