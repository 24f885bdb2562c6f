"""The agreement's head page and a party page in Chromium (Playwright), as a Norrbotten officer:
no sideways scrolling at 1,280 and 360 px, axe-core clean, and a party saved without
JavaScript. At 360 px the party table and the reception table stack their rows. Screenshots go
to the test's temporary directory."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse

from actors.models import County, StaffScope
from actors.services import staff_group_ensure
from agreements import services
from agreements.models import Agreement
from tests.factories import UserFactory
from tests.public.test_accessibility import axe_violations

PASSWORD = "hemligt-lösenord-2"
WIDTHS = (1280, 360)
# Django admin's own widgets on the head page (select2 autocompletes, the tabular inline's empty
# corner cell): not markup of the registry's.
ADMIN_WIDGET_RULES = {"aria-input-field-name", "label", "list", "empty-table-header"}

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def draft(django_db_setup, django_db_blocker):
    """A Norrbotten officer and a draft of the Norrbotten agreement, committed for the server."""
    with django_db_blocker.unblock():
        user = UserFactory(username="webb-delar", first_name="Cia", is_staff=True)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(staff_group_ensure())
        StaffScope.objects.create(user=user, county=County.objects.get(code="25"))
        published = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
        revised = services.agreement_revise(agreement=published, user=user)
        party = max(
            revised.parties.select_related("organisation"), key=lambda p: p.commitments.count()
        )
    yield revised, party
    with django_db_blocker.unblock():
        revised.delete()
        user.delete()


def _read(function):
    """The database outside Playwright's event loop (Django refuses queries inside it)."""

    def read():
        try:
            return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def _log_in(page, site):
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "webb-delar")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_head_and_party_pages_fit_and_pass_axe(draft, site, browser, tmp_path):
    draft, party = draft
    pages = {
        "start": "/admin/",
        "head": f"/admin/agreements/agreement/{draft.pk}/change/",
        "party": f"/admin/agreements/agreement/{draft.pk}/parter/{party.pk}/",
        "parties": f"/admin/agreements/agreement/{draft.pk}/parter/",
        "common-goals": f"/admin/agreements/agreement/{draft.pk}/gemensamma-mal/",
    }
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _log_in(page, site)
    problems, wide = {}, {}
    for name, path in pages.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.goto(site + path).status == 200, path
            page.screenshot(path=str(tmp_path / f"{name}-{width}.png"))
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


# Elements of the party table that stick out of its box (their text in the list).
OVERFLOWING = """() => {
  const box = document.querySelector('.registry-table-box');
  const edge = box.getBoundingClientRect().right + 0.5;
  const out = [...box.querySelectorAll('*')].filter(
    (element) => element.getClientRects().length && element.getBoundingClientRect().right > edge);
  if (box.scrollWidth > box.clientWidth) out.push(box);
  return out.map((element) => element.textContent.trim().slice(0, 40));
}"""


def test_party_table_and_reception_table_fit_360_px(draft, site, browser, tmp_path):
    draft, party = draft
    rok = _read(lambda: Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1))
    page = browser.new_page(viewport={"width": 360, "height": 900}, bypass_csp=True)
    _log_in(page, site)
    for name in ("change", "parter"):
        assert page.goto(site + f"/admin/agreements/agreement/{draft.pk}/{name}/").status == 200
        page.screenshot(path=str(tmp_path / f"parts-table-{name}-360.png"), full_page=True)
        assert page.evaluate(OVERFLOWING) == [], name
        edit = page.get_by_role("link", name=f"Redigera {party.organisation}")
        assert edit.is_visible()
        assert edit.bounding_box()["x"] + edit.bounding_box()["width"] <= 360

    url = site + reverse("admin:followup_receptionfigure_county")
    assert page.goto(url + f"?agreement={rok.pk}&year=2010").status == 200
    page.screenshot(path=str(tmp_path / "reception-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    first = page.locator(".reception-table tbody tr").first
    municipality = first.locator("th").inner_text()
    for label in ("Antal 2010", "Varav för anvisning 2010"):
        field = page.get_by_label(f"{label}, {municipality}", exact=True)
        assert field.is_visible()
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert first.locator("label", has_text=label).first.is_visible()
    assert axe_violations(page) == []


def test_a_party_is_saved_without_javascript_by_keyboard(draft, site, browser):
    draft, party = draft
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    _log_in(page, site)
    page.goto(site + f"/admin/agreements/agreement/{draft.pk}/parter/{party.pk}/")
    page.fill("#id_atagande-0-text", "Omskrivet i webbläsaren.")
    page.focus("#id_atagande-0-text")
    page.keyboard.press("Tab")  # on through the fields; Enter on the save button at the end
    page.focus("input[type=submit].default")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".messagelist")
    assert f"{party.organisation} är sparad." in page.inner_text(".messagelist")
    assert _read(lambda: party.commitments.filter(text="Omskrivet i webbläsaren.").exists())
    context.close()
