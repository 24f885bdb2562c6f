"""The Content-Security-Policy in a real browser (Debian's Chromium through Playwright): the
public pages, the admin and the API documentation work with it, and Chromium reports no
refused script, style, image or font."""

import pytest
from django.contrib.auth import get_user_model

from agreements.models import Agreement
from tests.agreements.helpers import change_url

PASSWORD = "csp-provets-lösenord-1"

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PUBLIC = [
    "/",
    "/overenskommelser/?county=stockholms-lan",
    "/overenskommelser/norrbotten-rok/",
    "/lan/norrbottens-lan/",
    "/lan/",
    "/teman/samhallsorientering/",
    "/statistik/",
    "/en/",
    "/api/v1/docs/",
    "/api/v1/redoc/",
    "/en/api/v1/docs/",
]


@pytest.fixture(scope="module")
def superuser(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser("csp-provet", None, PASSWORD)
        agreement = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    yield agreement
    with django_db_blocker.unblock():
        user.delete()


# ReDoc's page (drf-spectacular's template and ReDoc itself) asks for Google's web fonts and a
# logo from ReDoc's site. The policy refuses them on purpose: no visitor's browser is sent to
# another site. ReDoc then uses system fonts and shows no logo.
OTHER_SITES = ("'https://fonts.googleapis.com/", "'https://cdn.redoc.ly/")


def refusals(browser_or_context, url) -> list[str]:
    page = browser_or_context.new_page()
    messages = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text)
            if "Content Security Policy" in message.text
            and not any(site in message.text for site in OTHER_SITES)
            else None
        ),
    )
    response = page.goto(url, wait_until="networkidle")
    assert response.status == 200, url
    assert response.headers.get("content-security-policy"), url
    page.close()
    return messages


def test_public_pages_and_api_docs_run_under_the_policy(site, browser):
    problems = {path: refusals(browser, site + path) for path in PUBLIC}
    assert {path: found for path, found in problems.items() if found} == {}
    page = browser.new_page()
    page.goto(site + "/api/v1/docs/", wait_until="networkidle")
    # Swagger UI draws the endpoints after the schema has loaded: wait for the first one.
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)


def test_the_admin_runs_under_the_policy(superuser, site, browser):
    context = browser.new_context()
    assert refusals(context, site + "/admin/login/") == []
    page = context.new_page()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "csp-provet")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    pages = [
        "/admin/",
        "/admin/agreements/agreement/",
        change_url(superuser),
        "/admin/followup/followup/add/",
    ]
    problems = {path: refusals(context, site + path) for path in pages}
    assert {path: found for path, found in problems.items() if found} == {}
