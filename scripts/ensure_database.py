"""Print a DATABASE_URL that works, starting a database server when needed (the make targets' WITH_DB).

- DATABASE_URL set: make sure its database exists (create it when the server allows) and print it.
- DATABASE_URL unset: start the embedded PostgreSQL with its data in .var/pgdata (capacity_market.embedded_db;
  created the first time, it keeps running for later commands, `make stop-db` stops it), create the database
  and print a URL to its Unix socket. `.venv/bin/python manage.py …` without DATABASE_URL finds the same server.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from capacity_market import embedded_db  # noqa: E402


def ensure_db(admin_conninfo: str, name: str) -> None:
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def from_env(url: str) -> str:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or embedded_db.DB_NAME
    admin = parsed._replace(path="/postgres").geturl()
    try:
        ensure_db(admin, name)
    except psycopg.Error as exc:
        print(f"warning: could not ensure database {name!r}: {exc}".strip(), file=sys.stderr)
    return url


def embedded() -> str:
    host, port = embedded_db.address(create=True)
    embedded_db.ensure_database(host, port)
    return embedded_db.url(host, port)


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    print(from_env(url) if url else embedded())


if __name__ == "__main__":
    main()
