"""A production worker reads what its first visitors would otherwise wait for before it
answers (registry/warm_up.py): the catalogue's index and the search dictionary."""

import logging
import os

import pytest
from django.db import OperationalError
from django.urls import reverse

from agreements import catalogue_index as catalogue_index_module
from registry.warm_up import warm_up_database
from tests.factories import AgreementFactory
from tests.processes import python_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_worker(monkeypatch, full_reads):
    """A process that has read no index yet; its reads of the index from the start."""
    monkeypatch.setattr(catalogue_index_module, "_current", None)
    return full_reads


def test_the_first_visitor_finds_the_catalogue_read(new_worker, client):
    AgreementFactory(title="Överenskommelse om praktik i Luleå")
    warm_up_database()
    assert len(new_worker) == 1

    response = client.get(reverse("agreements:catalogue"), {"q": "praktik"})

    assert response.status_code == 200
    assert "Överenskommelse om praktik i Luleå" in response.content.decode()
    assert len(new_worker) == 1  # the visitor did not wait for a read


def test_a_database_that_does_not_answer_leaves_it_to_the_first_request(
    new_worker, monkeypatch, caplog, client
):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(catalogue_index_module, "catalogue_index", unreachable)
    with caplog.at_level(logging.WARNING, logger="registry.warm_up"):
        warm_up_database()
    assert "Databasen svarade inte när arbetsprocessen startade" in caplog.text
    monkeypatch.undo()
    monkeypatch.setattr(catalogue_index_module, "_current", None)

    response = client.get(reverse("agreements:catalogue"))
    assert response.status_code == 200
    assert catalogue_index_module._current is not None


@pytest.mark.slow
def test_a_production_worker_freezes_what_it_read_before_its_first_request():
    """The cycle collector does not walk the modules, templates and index again: a full
    collection of them took 0.1–0.2 s, inside whichever request triggered it. With no database
    answering, the worker still starts, and says why it read nothing."""
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/samverkansregistret",
        "DATABASE_CONNECT_TIMEOUT": "1",
    }
    result = python_run("import gc, registry.wsgi; print(gc.get_freeze_count())", environment)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 50_000
    assert "Databasen svarade inte när arbetsprocessen startade" in result.stderr
