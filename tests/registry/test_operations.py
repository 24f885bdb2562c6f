"""While the database is down: a short Swedish 503 with Retry-After, one log line per request,
and health checks a load balancer can use."""

import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client


@pytest.fixture
def database_down(django_db_blocker, monkeypatch):
    """The default connection points at a port where nothing listens (as when the server is
    stopped); the real settings come back after the test."""
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")
        yield
        connection.close()


@pytest.mark.parametrize("path", ["/overenskommelser/", "/api/v1/agreements/", "/lan/"])
def test_pages_answer_503_in_swedish_with_retry_after(database_down, path, caplog):
    with caplog.at_level(logging.INFO):
        response = Client().get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Cache-Control"] == "no-store"
    if path.startswith("/api/"):
        assert "kommer inte åt sin databas" in response.json()["detail"]
    else:
        assert "tillfälligt otillgängligt" in response.content.decode()
    # One line, no traceback: not django.request's 5xx line as well.
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].name == "registry.unavailable"
    assert errors[0].exc_info is None
    assert path in errors[0].getMessage()


def test_health_answers_while_the_database_is_down(database_down):
    client = Client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "fel"
    assert int(ready["Retry-After"]) > 0


def test_ready_when_database_and_cache_answer(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_checks_need_no_allowed_host_nor_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/healthz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_follows_the_database_back(db, monkeypatch):
    """Nothing remembers the outage: the first request after the database answers again is
    served (Django opens a new connection for it)."""
    client = Client()

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as outage:
        outage.setattr(connection, "cursor", refused)
        assert client.get("/readyz").status_code == 503
        assert client.get("/overenskommelser/").status_code == 503
    assert client.get("/readyz").status_code == 200
    assert client.get("/overenskommelser/").status_code == 200
