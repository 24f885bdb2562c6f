"""WCAG 2.1 AA in a real browser: axe-core (from npm, node_modules/) in Debian's headless
Chromium, driven by Playwright against the registry served from a thread (Django's
LiveServerThread). Zero violations on the
pages of every pattern with a template (the API's documentation included), usable at 320 px
and at 1,280 px without horizontal scrolling, keyboard reachable.

The server thread reads committed data: the session's reference data and examples, and a
second version of the Norrbotten agreement that the module fixture commits and removes."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings

from agreements.models import Agreement, Goal
from tests.revisions import revision_create
from tests.routes import route_names

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def norrbotten_revised(django_db_setup, django_db_blocker):
    """A second, published version of the Norrbotten agreement, committed for the server."""
    with django_db_blocker.unblock():
        first = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)

        def edit(new):
            new.purpose += " Samverkan ska också omfatta ensamkommande barn."
            new.save()
            Goal.objects.create(agreement=new, text="Fler nyanlända i arbete inom två år.")
            new.commitments.first().delete()

        second = revision_create(
            agreement=first,
            version_label="Reviderad 2012",
            signed_on=datetime.date(2010, 1, 15),
            valid_from=datetime.date(2010, 1, 1),
            valid_until=None,
            edit=edit,
        )
    yield second
    with django_db_blocker.unblock():
        second.delete()


# The API's documentation pages are Swagger UI's and ReDoc's own markup (drf-spectacular): they
# are held to WCAG 2.1 AA, the registry's standard, but not to axe's best-practice rules (heading
# order, every text in a landmark), which that markup does not follow.
WCAG_ONLY = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page, options: dict | None = None) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core saknas: kör make setup (npm ci).")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async (options) => await axe.run(document, {...options, resultTypes: ['violations']})",
        options or {},
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
    ]


# One address per page pattern of the URL conf that renders a template. A new pattern must be
# added here or to NOT_PAGES (test_every_page_pattern_is_checked).
PAGES = {
    "agreements:home": "/",
    "agreements:catalogue": "/overenskommelser/?q=samh%C3%A4llsorientering"
    "&county=stockholms-lan&level=local",
    "agreements:detail": "/overenskommelser/norrbotten-rok/",
    "agreements:version": "/overenskommelser/norrbotten-rok/version/1/",
    "agreements:diff": "/overenskommelser/norrbotten-rok/jamfor/1/2/",
    # The ZIP of a selection built by the background job (at once in the tests): its page.
    "agreements:pdf_zip_job": "/zip-filer/?county=norrbottens-lan",
    "actors:national": "/lan/",
    "actors:county": "/lan/stockholms-lan/",
    "actors:municipality": "/kommuner/sodertalje/",
    "actors:organisation": "/organisationer/lansstyrelsen-i-norrbottens-lan/",
    "commitments:theme_list": "/teman/",
    "commitments:theme": "/teman/samhallsorientering/",
    "statistics:index": "/statistik/",
    "statistics:section": "/statistik/deltagande/",
    "api:docs": "/api/v1/docs/",
    "api:redoc": "/api/v1/redoc/",
}
# More addresses of the same patterns that have differed before: the other wide statistics
# section, and English.
MORE_PAGES = {
    "statistics:section (innehåll)": "/statistik/innehall/",
    "agreements:home (en)": "/en/",
    "agreements:detail (en)": "/en/overenskommelser/norrbotten-rok/",
    "statistics:index (en)": "/en/statistik/",
    "statistics:section (en)": "/en/statistik/mottagande/?county=norrbottens-lan",
}
# Addresses that are not pages: files, feeds, data, redirects, the API's JSON (its browsable
# HTML is Django REST framework's own; the API's documentation pages are checked).
NOT_PAGES = {
    "agreements:feed", "agreements:attachment", "agreements:compare", "agreements:pdf",
    "agreements:version_pdf", "agreements:pdf_zip", "agreements:pdf_zip_file",
    "agreements:county_report_pdf",
    "agreements:national_report_pdf", "statistics:json", "statistics:csv", "api:schema",
    "robots_txt", "favicon", "django.contrib.sitemaps.views.sitemap",
}  # fmt: skip
WIDTHS = (1280, 320)


def test_every_page_pattern_is_checked():
    api_data = re.compile(r"^api:.*-(list|detail|export)$|^api:api-root$")
    names = {
        name for name in route_names() if not name.startswith("admin:") and not api_data.match(name)
    }
    assert names - set(PAGES) - NOT_PAGES == set()
    assert set(PAGES) - names == set()


@pytest.mark.slow  # some forty pages in Chromium, axe-core on each: about a minute
def test_public_pages_have_no_axe_violations(norrbotten_revised, site, browser):
    problems = {}
    narrow = {}
    # axe-core is injected as an inline script, which the site's Content-Security-Policy
    # refuses (as it should); tests/registry/test_csp_browser.py tests the policy.
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 800}, bypass_csp=True)
    for name, path in {**PAGES, **MORE_PAGES}.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            api_docs = name.startswith(("api:docs", "api:redoc"))
            response = page.goto(site + path, wait_until="networkidle" if api_docs else "load")
            assert response.status == 200, path
            if api_docs:
                page.wait_for_selector(".swagger-ui .opblock, .api-content", timeout=15000)
            violations = axe_violations(page, WCAG_ONLY if api_docs else None)
            if violations:
                problems[f"{path} ({width} px)"] = violations
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > width:
                narrow[f"{path} ({width} px)"] = overflow
    page.close()
    assert not problems, problems
    assert not narrow, f"bredare än fönstret: {narrow}"


def test_keyboard_skip_link_and_visible_focus(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(site + "/overenskommelser/?q=arbete")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " outline: getComputedStyle(document.activeElement).outlineStyle,"
        " left: document.activeElement.getBoundingClientRect().left})"
    )
    assert focused["text"] == "Hoppa till innehållet"
    assert focused["outline"] != "none" and focused["left"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "innehall"
    # Onwards by keyboard alone: the search field, then the facets, then the results.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sok"
    page.fill("#sok", "samhällsorientering")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=samh" in page.url
    assert "1 överenskommelse" in page.inner_text("[role=status]")
    page.close()
