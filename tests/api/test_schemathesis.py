"""Property-based requests against every endpoint of the OpenAPI schema: no 5xx, and every
response (status, headers, body) as the schema says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from registry.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Generating the schema touches no database, so it can be read while tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Django's WSGI handler closes the database connection after each request, which would
    end the test's transaction; the test client disconnects this too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# Derandomized: the same examples every run, so CI does not fail on a new random find; run
# with more examples by hand (e.g. max_examples=200) when changing the API.
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_endpoint_keeps_to_the_schema(case):
    # Excluded on purpose: public reads are anonymous, so a made-up cookie or header is rightly
    # ignored (ignored_auth); and a slug that does not exist (county=0) is refused with a
    # documented 400 that names it, though the schema cannot list slugs that change with the
    # data (positive_data_acceptance). Server errors and every response's conformance to the
    # schema are checked.
    case.call_and_validate(excluded_checks=[ignored_auth, positive_data_acceptance])
