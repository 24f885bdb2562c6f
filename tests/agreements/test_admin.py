"""The admin, as each persona sees it (healthchecks style)."""

import pytest
from django.urls import reverse

from agreements.models import Agreement, Publication
from tests.agreements.helpers import party_url
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stockholm_draft(stockholm):
    return AgreementFactory(county=stockholm, draft=True, title="Stockholmsutkast om hängrännor")


@pytest.fixture
def norrbotten_draft(norrbotten):
    return AgreementFactory(county=norrbotten, draft=True, title="Norrbottensutkast om snöskotrar")


def change_url(agreement):
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("admin:agreements_agreement_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_norrbotten_staff_list_shows_own_drafts_not_other_counties(
    client, norrbotten_staff, norrbotten_draft, stockholm_draft
):
    client.force_login(norrbotten_staff)
    page = client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert "snöskotrar" in page
    assert "hängrännor" not in page
    assert "Regional överenskommelse om samverkan" in page  # published, readable


def test_norrbotten_staff_cannot_open_stockholm_draft(client, norrbotten_staff, stockholm_draft):
    client.force_login(norrbotten_staff)
    response = client.get(change_url(stockholm_draft))
    assert response.status_code == 302  # the admin redirects a missing object to its index
    assert client.get(response["Location"]).status_code == 200
    assert "hängrännor" not in client.get(response["Location"]).content.decode()


def test_norrbotten_staff_may_view_but_not_change_a_stockholm_agreement(client, norrbotten_staff):
    stockholm_agreement = Agreement.objects.get(lineage__slug="sodertalje-lok")
    client.force_login(norrbotten_staff)
    response = client.get(change_url(stockholm_agreement))
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    response = client.post(change_url(stockholm_agreement), {"title": "Kapad"})
    assert response.status_code == 403
    stockholm_agreement.refresh_from_db()
    assert stockholm_agreement.title != "Kapad"


def test_norrbotten_staff_edits_own_agreement(client, norrbotten_staff):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(norrbotten_staff)
    response = client.get(change_url(agreement))
    assert response.status_code == 200
    assert b'name="_save"' in response.content
    # The parties are a table on the head page; each is edited on a page of its own.
    party = agreement.parties.get(signatory_name="Per-Ola Eriksson")
    assert str(party.organisation) in response.content.decode()
    party_page = client.get(party_url(agreement, party))
    assert party_page.status_code == 200
    assert "Per-Ola Eriksson" in party_page.content.decode()


def test_national_editor_changes_the_central_agreement(client, national_editor):
    cok = Agreement.objects.get(lineage__slug="cok")
    client.force_login(national_editor)
    response = client.get(change_url(cok))
    assert b'name="_save"' in response.content


def test_staff_without_scope_changes_nothing(client, unscoped_staff, norrbotten_draft):
    client.force_login(unscoped_staff)
    page = client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    assert "snöskotrar" not in page
    assert client.get(reverse("admin:agreements_agreement_add")).status_code == 403


def test_staff_cannot_see_or_grant_scopes(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    assert client.get(reverse("admin:actors_staffscope_changelist")).status_code == 403


def test_invalid_agreement_is_refused_in_swedish_and_nothing_changes(client, norrbotten_staff):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(norrbotten_staff)
    form = client.get(change_url(agreement)).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if not isinstance(value, list)
    }
    data.update(
        {
            "title": agreement.title,
            "level": "regional",
            "kind": "agreement",
            "county": agreement.county_id,
            "lineage": agreement.lineage_id,
            "version_number": 1,
            "publication": Publication.PUBLISHED,
            "valid_from": "2010-01-01",
            "valid_until": "2009-01-01",
        }
    )
    for prefix in ("parties", "goals", "commitments", "sections", "attachments"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert "”Gäller till” kan inte vara före ”gäller från”" in response.content.decode()
    agreement.refresh_from_db()
    assert str(agreement.valid_from) == "2009-03-01"


def test_the_norrbotten_agreement_head_saves_and_keeps_its_parts(client, norrbotten_staff):
    """The head page holds the agreement's own fields, not its 51 commitments (those are
    edited per party); saving it leaves the parts as they are."""
    from tests.agreements.helpers import form_data

    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(norrbotten_staff)
    data = form_data(client.get(change_url(agreement)))
    assert len(data) < 200
    data["registration_number"] = "401-1234-2009"

    response = client.post(change_url(agreement), data)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.registration_number == "401-1234-2009"
    assert agreement.commitments.count() == 51
