"""A follow-up's head page and part pages in Chromium (Playwright), as a Norrbotten officer: no
sideways scrolling at 1,280 and 360 px, axe-core clean, and a party's statuses recorded by
keyboard without JavaScript. Screenshots go to the test's temporary directory."""

import pytest

from actors.models import County, StaffScope
from actors.services import staff_group_ensure
from agreements.models import Agreement
from followup import services
from followup.models import AssessmentStatus
from tests.agreements.test_admin_parts_browser import ADMIN_WIDGET_RULES, WIDTHS, _read
from tests.factories import UserFactory
from tests.public.test_accessibility import axe_violations

PASSWORD = "hemligt-lösenord-3"

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def followup(django_db_setup, django_db_blocker):
    """A Norrbotten officer and the Norrbotten agreement's follow-up of 2009, committed for
    the server."""
    with django_db_blocker.unblock():
        user = UserFactory(username="webb-uppfoljning", first_name="Bo", is_staff=True)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(staff_group_ensure())
        StaffScope.objects.create(user=user, county=County.objects.get(code="25"))
        rok = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
        started = services.followup_start(agreement=rok, year=2009, user=user)
        party = max(rok.parties.select_related("organisation"), key=lambda p: p.commitments.count())
    yield started, party
    with django_db_blocker.unblock():
        started.delete()
        user.delete()


def _log_in(page, site):
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "webb-uppfoljning")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_head_and_part_pages_fit_and_pass_axe(followup, site, browser, tmp_path):
    followup, party = followup
    pages = {
        "head": f"/admin/followup/followup/{followup.pk}/change/",
        "party": f"/admin/followup/followup/{followup.pk}/parter/{party.pk}/",
        "common-goals": f"/admin/followup/followup/{followup.pk}/gemensamma-mal/",
    }
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _log_in(page, site)
    problems, wide = {}, {}
    for name, path in pages.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.goto(site + path).status == 200, path
            page.screenshot(path=str(tmp_path / f"followup-{name}-{width}.png"))
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide[f"{name} ({width} px)"] = scroll
            violations = [
                violation
                for violation in axe_violations(page)
                if not (name == "head" and violation.split(" ")[0] in ADMIN_WIDGET_RULES)
            ]
            if violations:
                problems[f"{name} ({width} px)"] = violations
    assert not wide, f"bredare än fönstret: {wide}"
    assert not problems, problems


def test_a_partys_statuses_are_recorded_without_javascript_by_keyboard(followup, site, browser):
    followup, party = followup
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    _log_in(page, site)
    page.goto(site + f"/admin/followup/followup/{followup.pk}/change/")
    page.get_by_role("link", name=f"Bedöm {party.organisation}").click()
    status = page.locator("#id_bedomning-0-status")
    status.focus()
    status.select_option(AssessmentStatus.FULFILLED)
    page.keyboard.press("Tab")
    page.keyboard.type("Klart under året.")
    page.focus("input[type=submit].default")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist")
    assert f"{party.organisation}: 1 rad sparad." in page.inner_text(".messagelist")
    recorded = _read(
        lambda: list(followup.assessments.exclude(status="").values_list("status", "comment"))
    )
    assert recorded == [(AssessmentStatus.FULFILLED, "Klart under året.")]
    context.close()


def test_the_list_of_missing_follow_ups_fits_360_px(followup, site, browser, tmp_path):
    """The list the start page links to ("Hela listan …"): at 360 px each agreement is a block
    and its follow-up link is on screen (the table was 423 px wide, its last column cut)."""
    page = browser.new_page(viewport={"width": 360, "height": 900}, bypass_csp=True)
    _log_in(page, site)
    assert page.goto(site + "/admin/followup/followup/saknas/?year=2009").status == 200
    page.screenshot(path=str(tmp_path / "missing-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    link = page.get_by_role("link", name="Påbörjad – fortsätt")
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert axe_violations(page) == []
