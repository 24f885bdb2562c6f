"""Limits that hold across worker processes and machines: counted in the shared database cache,
per client address, with X-Forwarded-For believed only from a trusted proxy."""

import io
import logging

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from registry.clients import client_ip
from tests.api.conftest import client_with_token

MISSING_PAGE = "/kommuner/finns-inte/"  # a cheap page: a 404 that still counts
MISSING_PDF = "/overenskommelser/finns-inte/pdf/"  # an expensive address, refused before work


@pytest.fixture
def shared_cache(settings, db):
    """The production cache: Django's database cache in the registry's PostgreSQL."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "registry_cache",
        },
    }
    call_command("createcachetable", verbosity=0)
    return caches["default"]


def cache_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM registry_cache")
        return cursor.fetchone()[0]


def cache_table_persistence():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'registry_cache'")
        return cursor.fetchone()[0]


def test_the_cache_table_writes_no_wal_after_setup_and_again(shared_cache):
    """UNLOGGED: a counter's write is not logged. An existing logged table is altered, and
    running the setup again changes nothing."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registry_cache SET LOGGED")  # as an older setup made it
    call_command("setup_registry", stdout=io.StringIO())
    assert cache_table_persistence() == "u"
    call_command("createcachetable", verbosity=0)
    call_command("setup_registry", stdout=io.StringIO())
    assert cache_table_persistence() == "u"
    shared_cache.set("counter", [1])
    assert shared_cache.get("counter") == [1]


def test_page_limit_is_shared_by_every_client_and_kept_in_the_database(shared_cache, settings):
    settings.PAGE_RATE = "3/min"
    first, second = APIClient(), APIClient()  # as two worker processes would see them
    assert first.get(MISSING_PAGE).status_code == 404
    assert second.get(MISSING_PAGE).status_code == 404
    assert first.get(MISSING_PAGE).status_code == 404
    refused = second.get(MISSING_PAGE)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "För många förfrågningar" in refused.content.decode()
    assert cache_rows() >= 1  # in the shared table, not in one process's memory


def test_forwarded_for_is_ignored_without_a_trusted_proxy(shared_cache, settings):
    settings.PAGE_RATE = "2/min"
    settings.TRUSTED_PROXIES = []
    client = APIClient()
    statuses = [
        client.get(MISSING_PAGE, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [404, 404, 429]


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(shared_cache, settings):
    settings.PAGE_RATE = "2/min"
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    client = APIClient()
    # Different clients behind the proxy are counted apart …
    for n in range(3):
        assert client.get(MISSING_PAGE, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 404
    # … and one client cannot escape by writing its own addresses in front.
    statuses = [
        client.get(MISSING_PAGE, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.9").status_code
        for n in range(3)
    ]
    assert statuses == [404, 404, 429]


def test_client_address_is_the_first_untrusted_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.7, 10.0.0.1"
    )
    assert client_ip(request) == "192.0.2.7"
    untrusted = RequestFactory().get("/", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(untrusted) == "192.0.2.50"


def test_expensive_documents_have_a_lower_limit(shared_cache, settings):
    settings.PAGE_RATE = "100/min"
    settings.EXPENSIVE_RATE = "2/min"
    client = APIClient()
    assert [client.get(MISSING_PDF).status_code for _ in range(3)] == [404, 404, 429]
    assert client.get(MISSING_PAGE).status_code == 404  # ordinary pages still served


def test_staff_are_not_limited_on_pages(shared_cache, settings, client, norrbotten_staff):
    settings.EXPENSIVE_RATE = "1/min"
    client.force_login(norrbotten_staff)
    assert [client.get(MISSING_PDF).status_code for _ in range(3)] == [404, 404, 404]


def test_anonymous_api_limit_is_in_the_shared_cache(shared_cache, settings):
    settings.API_ANON_RATE = "2/min"
    statuses = [APIClient().get("/api/v1/agreements/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_guessed_api_tokens_lock_the_address(shared_cache, settings, norrbotten_staff, caplog):
    settings.TOKEN_FAILURE_LIMIT = 3
    guesser = APIClient()
    with caplog.at_level(logging.WARNING, logger="registry.authentication"):
        for n in range(3):
            guesser.credentials(HTTP_AUTHORIZATION=f"Token {n:040d}")
            assert guesser.get("/api/v1/agreements/").status_code == 401
    assert len([r for r in caplog.records if "Felaktig API-token" in r.getMessage()]) == 3
    # The next attempt from that address is refused without looking at the token: even the
    # right one.
    right = client_with_token(norrbotten_staff)
    refused = right.get("/api/v1/agreements/")
    assert refused.status_code == 429
    assert "felaktiga token" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    # Another address is not affected.
    elsewhere = right.get("/api/v1/agreements/", REMOTE_ADDR="192.0.2.80")
    assert elsewhere.status_code == 200
