"""Without DATABASE_URL, Django connects to the embedded development server in .var/pgdata (capacity_market.embedded_db),
and says how to create it when there is none."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from capacity_market import embedded_db
from capacity_market.embedded_db.base import DatabaseWrapper


def wrapper() -> DatabaseWrapper:
    return DatabaseWrapper({"ENGINE": "capacity_market.embedded_db", "NAME": "capacity_market", "USER": "postgres",
                            "PASSWORD": "", "HOST": "", "PORT": "", "OPTIONS": {}, "CONN_MAX_AGE": 0,
                            "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False,
                            "TIME_ZONE": None, "TEST": {}})


def test_without_a_development_database_the_error_names_the_command_that_creates_it(monkeypatch, tmp_path):
    monkeypatch.setattr(embedded_db, "PGDATA", tmp_path / "pgdata")
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL is not set .* run `make migrate`"):
        wrapper().get_connection_params()
    assert not (tmp_path / "pgdata").exists(), "nothing is created outside the make targets"


def test_a_running_server_is_found_by_its_socket(monkeypatch):
    monkeypatch.setattr(embedded_db, "running_address", lambda pgdata: ("/work/x/.var/pgdata", 5432))
    db = wrapper()
    params = db.get_connection_params()
    assert (params["host"], params["port"]) == ("/work/x/.var/pgdata", "5432")
    assert (db.settings_dict["HOST"], db.settings_dict["PORT"]) == ("/work/x/.var/pgdata", "5432")


def test_a_stopped_server_is_started_and_its_database_ensured(monkeypatch, tmp_path):
    (tmp_path / "pgdata").mkdir()
    (tmp_path / "pgdata" / "PG_VERSION").write_text("18\n")
    monkeypatch.setattr(embedded_db, "PGDATA", tmp_path / "pgdata")
    monkeypatch.setattr(embedded_db, "running_address", lambda pgdata: None)
    calls = []
    monkeypatch.setattr(embedded_db, "start", lambda pgdata: calls.append(("start", pgdata)) or ("/s", 5432))
    monkeypatch.setattr(embedded_db, "ensure_database", lambda host, port: calls.append(("ensure", host, port)))
    assert embedded_db.address() == ("/s", 5432)
    assert calls == [("start", tmp_path / "pgdata"), ("ensure", "/s", 5432)]


def test_the_url_percent_encodes_the_socket_directory():
    assert embedded_db.url("/work/wt/.var/pgdata", 5432) == "postgres://postgres@%2Fwork%2Fwt%2F.var%2Fpgdata:5432/capacity_market"
