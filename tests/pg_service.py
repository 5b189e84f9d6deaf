"""A real PostgreSQL for tests and the benchmark: Debian's server binaries (`make postgres` installs
them), a throw-away cluster made with initdb in a temporary directory and run with pg_ctl on a free
loopback port. As root (tests run as root in CI) both run as the `postgres` user, since PostgreSQL
refuses to run as root; otherwise as the current user.

    with PgService.start() as pg:
        dsn = pg.create_database("t1")   # postgresql://schemagen@127.0.0.1:PORT/t1

Every failure is a `PgServiceError` naming the command and what it printed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROLE = "schemagen"  # the role the server connects as; it owns every database made here
SERVICE_USER = "postgres"  # Debian's package creates it


class PgServiceError(RuntimeError):
    pass


def find_bindir() -> Path | None:
    """The directory of initdb/pg_ctl/psql: PG_BINDIR, else Debian's newest /usr/lib/postgresql/N/bin."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgService:
    bindir: Path
    root: Path  # the temporary directory: data/, the socket directory and the log
    port: int
    as_user: list[str]  # the command prefix that runs a server binary as the service user

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def dsn(self, database: str) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, args: Sequence[str], timeout: float = 120) -> str:
        command = [*self.as_user, str(self.bindir / program), *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.root)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PgServiceError(f"{' '.join(command)}: {exc}") from None
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgServiceError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}{done.stderr}{log}")
        return done.stdout

    def sql(self, statement: str, database: str = "postgres") -> str:
        """One statement through psql as the superuser, over the cluster's own socket directory."""
        args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root), "-p", str(self.port), "-U", SERVICE_USER]
        return self._run("psql", [*args, "-d", database, "-c", statement])

    def create_database(self, name: str) -> str:
        """A new empty database owned by the test role; its DSN."""
        self.sql(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return self.dsn(name)

    @classmethod
    @contextmanager
    def start(cls, fsync: bool = True, settings: Mapping[str, str] | None = None) -> Iterator[PgService]:
        """A running cluster for the `with` block, stopped and deleted after it. `fsync=False` trades
        crash safety (irrelevant for a throw-away cluster) for speed; the benchmark keeps it on.
        `settings`: more server settings (name -> value)."""
        bindir = find_bindir()
        if bindir is None or not (bindir / "pg_ctl").exists():
            raise PgServiceError("PostgreSQL's server binaries are not installed: run `make postgres`")
        as_user: list[str] = []
        root = Path(tempfile.mkdtemp(prefix="schemagen-pg-"))
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                account = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                shutil.rmtree(root)
                raise PgServiceError(f"no user {SERVICE_USER!r} to run PostgreSQL as: run `make postgres`") from None
            os.chown(root, account.pw_uid, account.pw_gid)
            as_user = ["runuser", "-u", SERVICE_USER, "--"]
        service = cls(bindir, root, _free_port(), as_user)
        try:
            service._run(
                "initdb", ["-D", str(service.data), "-U", SERVICE_USER, "--auth=trust", "-E", "UTF8", "--no-locale"]
            )
            options = [
                f"-p {service.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={root}",
                "-c max_connections=200",
                f"-c fsync={'on' if fsync else 'off'}",
                *(f"-c {name}={value}" for name, value in (settings or {}).items()),
            ]
            service._run(
                "pg_ctl", ["-D", str(service.data), "-l", str(service.log), "-o", " ".join(options), "-w", "start"]
            )
        except PgServiceError:
            shutil.rmtree(root, ignore_errors=True)
            raise
        try:
            service.sql(f"CREATE ROLE {ROLE} LOGIN")
            yield service
        finally:
            try:
                service._run("pg_ctl", ["-D", str(service.data), "-m", "fast", "-w", "stop"], timeout=60)
            finally:
                shutil.rmtree(root, ignore_errors=True)
