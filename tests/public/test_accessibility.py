"""WCAG 2.1 AA in a real browser: axe-core (from npm, node_modules/) in Debian's headless
Chromium, driven by Playwright against the registry served from a thread (Django's
LiveServerThread). Zero violations on the
pages the issue names, usable at 320 px, keyboard reachable.

The server thread reads committed data: the session's reference data and examples, and a
second version of the Norrbotten agreement that the module fixture commits and removes."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from agreements.models import Agreement, Goal
from tests.revisions import revision_create

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


def axe_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core saknas: kör make setup (npm ci).")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
    ]


def test_public_pages_have_no_axe_violations(norrbotten_revised, site, browser):
    pages = {
        "startsidan": "/",
        "katalogen med sökning och två filter": "/overenskommelser/?q=samh%C3%A4llsorientering"
        "&county=stockholms-lan&level=local",
        "en överenskommelse": "/overenskommelser/norrbotten-rok/",
        "en äldre version": "/overenskommelser/norrbotten-rok/version/1/",
        "jämförelse av versioner": "/overenskommelser/norrbotten-rok/jamfor/1/2/",
        "ett län": "/lan/stockholms-lan/",
        "hela landet": "/lan/",
        "en kommun": "/kommuner/sodertalje/",
        "ett tema": "/teman/samhallsorientering/",
        "startsidan på engelska": "/en/",
    }
    problems = {}
    narrow = {}
    for name, path in pages.items():
        for width in (1280, 320):
            # axe-core is injected as an inline script, which the site's Content-Security-Policy
            # refuses (as it should); tests/registry/test_csp_browser.py tests the policy.
            page = browser.new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
            response = page.goto(site + path)
            assert response.status == 200, path
            violations = axe_violations(page)
            if violations:
                problems[f"{name} ({width} px)"] = violations
            if width == 320:
                overflow = page.evaluate("document.documentElement.scrollWidth")
                if overflow > 320:
                    narrow[name] = overflow
            page.close()
    assert not problems, problems
    assert not narrow, f"bredare än 320 px: {narrow}"


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
