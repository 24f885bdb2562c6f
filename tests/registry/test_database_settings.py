"""How the registry's connections talk to PostgreSQL."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_connections_run_without_jit():
    """JIT made a search over every agreement slower, not faster (registry/settings.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
