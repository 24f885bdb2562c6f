"""The staff start page (the admin index): what needs my attention, per persona."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.models import StaffScope
from actors.services import staff_group_ensure
from agreements.history import history_record
from followup.models import FollowUp, FollowUpState
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


@pytest.fixture
def county_agreements(norrbotten, stockholm):
    today = timezone.localdate()
    last_year = today.year - 1
    followed = AgreementFactory(title="Följs upp ordentligt", valid_from=datetime.date(2020, 1, 1))
    FollowUp.objects.create(
        agreement=followed,
        year=last_year,
        state=FollowUpState.COMPLETED,
        completed_at=timezone.now(),
    )
    return {
        "draft": AgreementFactory(draft=True, title="Mitt utkast om samhällsorientering"),
        "stockholm_draft": AgreementFactory(
            draft=True, county=stockholm, title="Stockholms utkast"
        ),
        "ending": AgreementFactory(
            title="Slutar snart i Kiruna",
            valid_from=datetime.date(2020, 1, 1),
            valid_until=today + datetime.timedelta(days=90),
        ),
        "ending_later": AgreementFactory(
            title="Slutar om ett år",
            valid_from=datetime.date(2020, 1, 1),
            valid_until=today + datetime.timedelta(days=400),
        ),
        "unfollowed": AgreementFactory(
            title="Ingen uppföljning i Gällivare", valid_from=datetime.date(2020, 1, 1)
        ),
        "followed": followed,
    }


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    return page[start : page.index("</ul>", start)]


def test_norrbotten_staff_see_what_needs_attention_in_their_county(
    client, norrbotten_staff, norrbotten, county_agreements
):
    colleague = UserFactory(
        username="kollega", first_name="Kim", last_name="Kollega", is_staff=True
    )
    colleague.groups.add(staff_group_ensure())
    StaffScope.objects.create(user=colleague, county=norrbotten)
    history_record(agreement=county_agreements["ending"], user=colleague, comment="Ändrade datum.")
    history_record(agreement=county_agreements["draft"], user=norrbotten_staff, comment="Eget.")

    client.force_login(norrbotten_staff)
    page = client.get(INDEX).content.decode()

    drafts = _section(page, "Mina utkast")
    assert "Mitt utkast om samhällsorientering" in drafts
    assert "Stockholms utkast" not in page
    ending = _section(page, "Slutar gälla före")
    assert "Slutar snart i Kiruna" in ending
    assert "Slutar om ett år" not in ending
    missing = _section(page, "Saknar avslutad uppföljning för")
    assert "Ingen uppföljning i Gällivare" in missing
    assert "Följs upp ordentligt" not in missing
    assert "Regional överenskommelse om samverkan" not in missing  # ended in 2009
    recent = _section(page, "Senaste ändringar av kollegor")
    assert "Kim Kollega" in recent and "Slutar snart i Kiruna" in recent
    assert "Eget." not in recent  # my own changes are not my colleagues'


def test_stockholm_staff_see_nothing_of_norrbotten(client, stockholm_staff, county_agreements):
    client.force_login(stockholm_staff)
    page = client.get(INDEX).content.decode()
    assert "Stockholms utkast" in _section(page, "Mina utkast")
    for title in ("Mitt utkast", "Slutar snart i Kiruna", "Ingen uppföljning i Gällivare"):
        assert title not in page


def test_national_editors_see_every_county(client, national_editor, county_agreements):
    client.force_login(national_editor)
    drafts = _section(client.get(INDEX).content.decode(), "Mina utkast")
    assert "Mitt utkast om samhällsorientering" in drafts and "Stockholms utkast" in drafts


@pytest.mark.parametrize("extra", [0, 15])
def test_the_start_page_query_count_does_not_grow_with_the_registry(
    client, norrbotten_staff, django_assert_max_num_queries, extra
):
    for number in range(extra):
        agreement = AgreementFactory(draft=number % 2 == 0, valid_until=timezone.localdate())
        history_record(agreement=agreement, user=UserFactory(), comment="Ändrad.")
    client.force_login(norrbotten_staff)
    with django_assert_max_num_queries(20):
        assert client.get(INDEX).status_code == 200
