"""Two staff members edit the same agreement in real browsers (Debian's Chromium through
Playwright): the second save is refused with a Swedish conflict box, the third keeps both
edits. The screenshot of the box is written to /tmp/locking-conflict.png."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from actors.models import Organisation, StaffScope
from actors.services import staff_group_ensure
from agreements.models import Agreement, AgreementLineage
from tests.agreements.helpers import change_url
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    OrganisationFactory,
    PartyFactory,
    UserFactory,
)

PASSWORD = "hemligt-lösenord-1"

# The server thread reads committed data through its own connection.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """Two Norrbotten staff members and a small agreement, committed for the server (module
    scope: before the test's own transaction begins)."""
    with django_db_blocker.unblock():
        county = StaffScope._meta.get_field("county").related_model.objects.get(code="25")
        users = []
        for username, first_name in (("webb-anna", "Anna"), ("webb-bo", "Bo")):
            user = UserFactory(username=username, first_name=first_name, is_staff=True)
            user.set_password(PASSWORD)
            user.save()
            user.groups.add(staff_group_ensure())
            StaffScope.objects.get_or_create(user=user, county=county)
            users.append(user)
        # Left behind by an interrupted run, if any.
        Agreement.objects.filter(lineage__slug="jokkmokk-webbtest").delete()
        AgreementLineage.objects.filter(slug="jokkmokk-webbtest").delete()
        agreement = AgreementFactory(
            title="Lokal överenskommelse i Jokkmokk (webbtest)",
            lineage=AgreementLineage.objects.create(slug="jokkmokk-webbtest"),
        )
        organisation = Organisation.objects.filter(slug="jokkmokk-webbtest").first()
        organisation = organisation or OrganisationFactory(
            name="Jokkmokks kommun (webbtest)", slug="jokkmokk-webbtest"
        )
        party = PartyFactory(
            agreement=agreement, organisation=organisation, signatory_name="Anna Andersson"
        )
        CommitmentFactory(party=party, heading="Arbete", text="Erbjuda praktik.")
    yield agreement
    with django_db_blocker.unblock():
        Agreement.objects.filter(pk=agreement.pk).delete()
        agreement.lineage.delete()
        organisation.delete()
        for user in users:
            user.delete()


def _open(browser, site, username, agreement):
    page = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(site + change_url(agreement))
    return page


def _stored(agreement) -> tuple[str, str]:
    """Read in a thread of its own: Playwright's event loop makes this one async to Django."""

    def read():
        try:
            return Agreement.objects.values_list("alias", "registration_number").get(
                pk=agreement.pk
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def _save(page):
    with page.expect_navigation():
        page.click("input[name=_continue]")


def test_two_browsers_the_refused_save_keeps_both_edits(site, shared, browser):
    a = _open(browser, site, "webb-anna", shared)
    b = _open(browser, site, "webb-bo", shared)

    a.fill("#id_registration_number", "NB 801-4711-2026")
    _save(a)
    b.fill("#id_alias", "LÖK Jokkmokk")
    _save(b)

    box = b.locator("section.registry-conflict")
    assert box.is_visible()
    assert box.locator("h2").inner_text() == "Någon annan har sparat under tiden"
    assert "Anna" in box.inner_text() and "NB 801-4711-2026" in box.inner_text()
    assert b.locator(".errornote").count() == 0
    box.screenshot(path="/tmp/locking-conflict.png")

    _save(b)

    assert b.locator("section.registry-conflict").count() == 0
    assert b.input_value("#id_alias") == "LÖK Jokkmokk"
    assert b.input_value("#id_registration_number") == "NB 801-4711-2026"
    assert _stored(shared) == ("LÖK Jokkmokk", "NB 801-4711-2026")
