"""The staff start page (the admin index): what needs my attention, per persona."""

import datetime
import re

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


def test_a_missing_follow_up_links_to_starting_it_or_to_the_one_started(
    client, norrbotten_staff, county_agreements
):
    """The start page's links go where the task is done, not to the agreement's change page."""
    year = timezone.localdate().year - 1
    unfollowed = county_agreements["unfollowed"]
    client.force_login(norrbotten_staff)
    response = client.get(INDEX)
    assert response.status_code == 200
    missing = _section(response.content.decode(), "Saknar avslutad uppföljning för")
    start = f"{reverse('admin:followup_followup_start')}?agreement={unfollowed.pk}&amp;year={year}"
    assert f'<a href="{start}" class="addlink">Starta uppföljning för {year}</a>' in missing
    form = client.get(start.replace("&amp;", "&"))
    assert form.status_code == 200
    assert f'<option value="{unfollowed.pk}" selected>' in form.content.decode()

    started = FollowUp.objects.create(agreement=unfollowed, year=year)
    response = client.get(INDEX)
    missing = _section(response.content.decode(), "Saknar avslutad uppföljning för")
    change = reverse("admin:followup_followup_change", args=[started.pk])
    assert f'<a href="{change}">Fortsätt uppföljningen {year}</a>' in missing
    assert f"?agreement={unfollowed.pk}&amp;" not in missing


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


def _titles_missing_on_the_followup_page(client, year) -> set[str]:
    from tests.followup.test_admin import MISSING

    response = client.get(MISSING, {"year": year})
    assert response.status_code == 200
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', response.content.decode())
    return set(rows)


def _titles_missing_on_the_start_page(client) -> set[str]:
    response = client.get(INDEX)
    assert response.status_code == 200
    section = _section(response.content.decode(), "Saknar avslutad uppföljning för")
    return set(re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section))


@pytest.mark.parametrize("persona", ["norrbotten_staff", "stockholm_staff", "national_editor"])
def test_the_start_page_and_the_followup_page_miss_the_same_agreements(
    client, request, persona, norrbotten, stockholm
):
    last_year = timezone.localdate().year - 1
    revised = AgreementFactory(
        title="Publicerad med reviderat utkast", valid_from=datetime.date(2020, 1, 1)
    )
    AgreementFactory(
        lineage=revised.lineage,
        version_number=2,
        draft=True,
        title="Publicerad med reviderat utkast",
    )
    AgreementFactory(
        title="Bara ett utkast i Luleå", draft=True, valid_from=datetime.date(2020, 1, 1)
    )
    AgreementFactory(
        title="Stockholms utan uppföljning", county=stockholm, valid_from=datetime.date(2020, 1, 1)
    )
    old = AgreementFactory(title="Uppföljd i version 1", valid_from=datetime.date(2020, 1, 1))
    FollowUp.objects.create(
        agreement=old, year=last_year, state=FollowUpState.COMPLETED, completed_at=timezone.now()
    )
    AgreementFactory(
        lineage=old.lineage,
        version_number=2,
        title="Uppföljd i version 1",
        valid_from=datetime.date(last_year, 7, 1),
    )
    client.force_login(request.getfixturevalue(persona))

    on_start_page = _titles_missing_on_the_start_page(client)
    on_followup_page = _titles_missing_on_the_followup_page(client, last_year)

    assert on_start_page == on_followup_page
    assert "Bara ett utkast i Luleå" not in on_start_page
    assert "Uppföljd i version 1" not in on_start_page
    if persona == "stockholm_staff":
        assert "Publicerad med reviderat utkast" not in on_start_page
        assert "Stockholms utan uppföljning" in on_start_page
    else:
        assert "Publicerad med reviderat utkast" in on_start_page
