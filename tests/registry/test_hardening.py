"""Security headers and settings for production, set from the environment."""

import os
import secrets
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import AgreementFactory

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "registry.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "registret.example.se",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://registret.example.se",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    "DJANGO_TRUSTED_PROXIES": "10.0.0.0/8",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production_env(db):
    """The documented production variables, with DATABASE_URL naming the test database (the
    embedded server's too: production refuses to run without DATABASE_URL)."""
    connection.ensure_connection()
    database = connection.settings_dict
    host = quote(database["HOST"] or "localhost", safe="")  # a socket directory, encoded
    port = f":{database['PORT']}" if database["PORT"] else ""
    url = f"postgres://{database['USER']}@{host}{port}/{database['NAME']}"
    return {**os.environ, **PRODUCTION, "DATABASE_URL": url}


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_documented_production_environment(production_env):
    result = manage("check", "--deploy", env=production_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security.W" not in output, output
    assert "axes." not in output, output
    assert "Traceback" not in output, output


@pytest.mark.slow
def test_the_production_settings_come_from_the_environment(production_env):
    show = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_AGE, s.CACHES['default']['BACKEND'])"
    )
    result = manage("shell", "-c", show, env=production_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "28800",
        "django.core.cache.backends.db.DatabaseCache",
    ]


@pytest.mark.django_db
def test_public_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("agreements:catalogue"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_admin_policy_allows_its_inline_styles_but_no_inline_script(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy + ";"


@pytest.mark.django_db
def test_https_redirect_and_hsts_when_set(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    plain = client.get("/overenskommelser/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get("/overenskommelser/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=3600"


@pytest.mark.django_db
def test_atom_summaries_are_escaped_html(client):
    AgreementFactory(title="Flödesprovet", purpose='<script>alert("x")</script> & <b>fet</b>')
    response = client.get(reverse("agreements:feed") + "?q=Flödesprovet")
    assert response.status_code == 200
    body = response.content.decode()
    # The XML holds escaped HTML: a reader shows the markup as text and runs nothing.
    assert "&lt;script&gt;" not in body
    assert "&amp;lt;script&amp;gt;alert(&amp;quot;x&amp;quot;)&amp;lt;/script&amp;gt;" in body
    assert "&amp;amp;" in body
