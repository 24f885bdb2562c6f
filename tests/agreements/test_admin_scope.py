"""Scope in every admin view, action and autocomplete, per persona (healthchecks style)."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from agreements.models import Agreement, Party, Publication
from tests.agreements.helpers import change_url, history_url, party_url
from tests.factories import AgreementFactory, CommitmentFactory, GoalFactory, PartyFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:agreements_agreement_changelist")


@pytest.fixture
def stockholm_draft(stockholm):
    return AgreementFactory(county=stockholm, draft=True, title="Stockholmsutkast om hängrännor")


@pytest.fixture
def norrbotten_draft(norrbotten):
    return AgreementFactory(county=norrbotten, draft=True, title="Norrbottensutkast om snöskotrar")


def _workflow_urls(agreement):
    return [
        reverse(f"admin:agreements_agreement_{name}", args=[agreement.pk])
        for name in ("revise", "publish", "unpublish")
    ] + [history_url(agreement)]


def autocomplete(client, term, field="parent"):
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "agreements", "model_name": "agreement", "field_name": field, "term": term},
    )
    assert response.status_code == 200
    return [row["text"] for row in json.loads(response.content)["results"]]


def test_other_counties_drafts_are_not_in_lists_search_or_autocomplete(
    client, norrbotten_staff, stockholm_draft, norrbotten_draft
):
    client.force_login(norrbotten_staff)
    found = client.get(CHANGELIST, {"q": "utkast"}).content.decode()
    assert "snöskotrar" in found
    assert "hängrännor" not in found
    assert not any("hängrännor" in text for text in autocomplete(client, "utkast"))
    assert any("snöskotrar" in text for text in autocomplete(client, "utkast"))


def test_other_counties_drafts_are_404_in_every_workflow_view(
    client, norrbotten_staff, stockholm_draft
):
    client.force_login(norrbotten_staff)
    for url in _workflow_urls(stockholm_draft):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    # The change page treats it as missing, exactly like an id that does not exist.
    response = client.get(change_url(stockholm_draft), follow=True)
    assert "hängrännor" not in response.content.decode()
    stockholm_draft.refresh_from_db()
    assert stockholm_draft.publication == Publication.DRAFT


def test_published_agreements_of_other_counties_are_readable_not_changeable(
    client, norrbotten_staff
):
    sodertalje = Agreement.objects.get(lineage__slug="sodertalje-lok")
    client.force_login(norrbotten_staff)
    page = client.get(change_url(sodertalje))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert "/revidera/" not in page.content.decode()
    assert client.get(history_url(sodertalje)).status_code == 200
    for name in ("revise", "publish", "unpublish"):
        url = reverse(f"admin:agreements_agreement_{name}", args=[sodertalje.pk])
        assert client.post(url, {"reason": "Kapad"}).status_code == 403
    sodertalje.refresh_from_db()
    assert sodertalje.is_published
    assert Agreement.objects.filter(lineage=sodertalje.lineage).count() == 1


def test_bulk_actions_refuse_rows_outside_the_scope(client, norrbotten_staff, norrbotten_draft):
    sodertalje = Agreement.objects.get(lineage__slug="sodertalje-lok")
    client.force_login(norrbotten_staff)

    deleted = client.post(
        CHANGELIST,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [sodertalje.pk, norrbotten_draft.pk]},
        follow=True,
    )
    assert "Inget togs bort" in deleted.content.decode()
    assert Agreement.objects.filter(pk__in=[sodertalje.pk, norrbotten_draft.pk]).count() == 2

    client.post(
        CHANGELIST,
        {
            "action": "unpublish_selected",
            ACTION_CHECKBOX_NAME: [sodertalje.pk],
            "reason": "Test",
        },
    )
    sodertalje.refresh_from_db()
    assert sodertalje.is_published


def test_own_drafts_can_be_deleted_published_agreements_cannot(
    client, norrbotten_staff, norrbotten_draft
):
    rok = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(norrbotten_staff)
    delete = reverse("admin:agreements_agreement_delete", args=[rok.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    delete = reverse("admin:agreements_agreement_delete", args=[norrbotten_draft.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Agreement.objects.filter(pk=norrbotten_draft.pk).exists()


def test_parts_are_edited_only_on_the_agreement_page(client, norrbotten_staff):
    party = Party.objects.filter(agreement__lineage__slug="norrbotten-rok").first()
    client.force_login(norrbotten_staff)
    url = reverse("admin:agreements_party_change", args=[party.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(url, {"signatory_name": "Kapad"}).status_code == 403
    party.refresh_from_db()
    assert party.signatory_name != "Kapad"


def test_parts_of_other_counties_drafts_are_not_listed(client, norrbotten_staff, stockholm_draft):
    PartyFactory(agreement=stockholm_draft, signatory_name="Hemlig Undertecknare")
    client.force_login(norrbotten_staff)
    page = client.get(reverse("admin:agreements_party_changelist"), {"q": "Hemlig"})
    assert "Hemlig Undertecknare" not in page.content.decode()


def test_staff_without_scope_read_published_only_and_change_nothing(
    client, unscoped_staff, norrbotten_draft
):
    rok = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(unscoped_staff)
    assert "snöskotrar" not in client.get(CHANGELIST).content.decode()
    assert not any("snöskotrar" in t for t in autocomplete(client, "snöskotrar"))
    assert client.get(reverse("admin:agreements_agreement_add")).status_code == 403
    page = client.get(change_url(rok))
    assert b'name="_save"' not in page.content
    for name in ("revise", "unpublish"):
        url = reverse(f"admin:agreements_agreement_{name}", args=[rok.pk])
        assert client.post(url, {"reason": "x"}).status_code == 403
    start = client.get(reverse("admin:index")).content.decode()
    assert "Du har ingen behörighet att ändra överenskommelser" in start


def test_county_staff_cannot_register_a_central_agreement(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    response = client.post(
        reverse("admin:agreements_agreement_add"),
        {
            "title": "Central överenskommelse från länet",
            "level": "central",
            "kind": "agreement",
            **{f"{p}-TOTAL_FORMS": 0 for p in ("parties", "goals", "commitments", "sections")},
            **{f"{p}-INITIAL_FORMS": 0 for p in ("parties", "goals", "commitments", "sections")},
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "Bara nationella redaktörer får registrera centrala" in response.content.decode()
    assert not Agreement.objects.filter(title="Central överenskommelse från länet").exists()


def test_county_staff_add_a_draft_in_their_county(client, norrbotten_staff, norrbotten):
    client.force_login(norrbotten_staff)
    empty = {f"{p}-TOTAL_FORMS": 0 for p in ("parties", "goals", "commitments", "sections")}
    empty |= {f"{p}-INITIAL_FORMS": 0 for p in ("parties", "goals", "commitments", "sections")}
    empty |= {"attachments-TOTAL_FORMS": 0, "attachments-INITIAL_FORMS": 0}
    response = client.post(
        reverse("admin:agreements_agreement_add"),
        {
            "title": "Regional överenskommelse om praktik",
            "level": "regional",
            "kind": "agreement",
            "county": norrbotten.pk,
            **empty,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Agreement.objects.get(title="Regional överenskommelse om praktik")
    assert created.publication == Publication.DRAFT
    assert created.version_number == 1
    assert created.lineage.slug == "regional-overenskommelse-om-praktik"
    history = client.get(history_url(created)).content.decode()
    assert "Skapad i administrationen" in history


def test_stockholm_staff_cannot_put_an_agreement_in_another_county(
    client, stockholm_staff, norrbotten
):
    client.force_login(stockholm_staff)
    form = client.get(reverse("admin:agreements_agreement_add")).context["adminform"].form
    assert list(form.fields["county"].queryset.values_list("code", flat=True)) == ["01"]


@pytest.mark.parametrize(
    "name, args",
    [
        ("agreements_agreement_changelist", []),
        ("agreements_agreement_import", []),
        ("agreements_agreement_import_template", ["csv"]),
        ("index", []),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    response = client.get(reverse(f"admin:{name}", args=args))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_visitors_get_no_workflow_view(client):
    rok = Agreement.objects.get(lineage__slug="norrbotten-rok")
    for url in _workflow_urls(rok):
        response = client.post(url, {"reason": "x"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    rok.refresh_from_db()
    assert rok.is_published


def test_a_readable_agreement_of_another_county_has_no_editable_parts(client, stockholm_staff):
    rok = Agreement.objects.get(lineage__slug="norrbotten-rok")
    party = rok.parties.first()
    client.force_login(stockholm_staff)
    response = client.get(change_url(rok))
    page = response.content.decode()
    assert response.status_code == 200
    assert str(party.organisation) in page  # the parties are shown
    assert party_url(rok, party) not in page  # without a link to edit them
    assert client.get(party_url(rok, party)).status_code == 403


def test_unpublish_action_asks_for_a_reason(client, norrbotten_staff):
    published = AgreementFactory(title="Publicerad i Norrbotten")
    client.force_login(norrbotten_staff)
    asked = client.post(
        CHANGELIST, {"action": "unpublish_selected", ACTION_CHECKBOX_NAME: [published.pk]}
    )
    assert asked.status_code == 200
    assert "Skäl" in asked.content.decode()
    published.refresh_from_db()
    assert published.is_published
    client.post(
        CHANGELIST,
        {
            "action": "unpublish_selected",
            ACTION_CHECKBOX_NAME: [published.pk],
            "reason": "Dubblett av en annan post.",
        },
    )
    published.refresh_from_db()
    assert not published.is_published


def test_publish_action_reports_what_is_missing(client, norrbotten_staff, norrbotten_draft):
    client.force_login(norrbotten_staff)
    response = client.post(
        CHANGELIST,
        {"action": "publish_selected", ACTION_CHECKBOX_NAME: [norrbotten_draft.pk]},
        follow=True,
    )
    assert "publicerades inte: Överenskommelsen har inga parter" in response.content.decode()
    norrbotten_draft.refresh_from_db()
    assert not norrbotten_draft.is_published


def test_reception_figures_follow_the_scope(client, norrbotten_staff, stockholm_draft):
    from actors.models import Municipality
    from followup.models import ReceptionFigure

    hidden = ReceptionFigure.objects.create(
        municipality=Municipality.objects.get(code="0182"),
        year=2026,
        agreed_number=77,
        source_agreement=stockholm_draft,
    )
    lulea = ReceptionFigure.objects.filter(municipality__code="2580").first()
    client.force_login(norrbotten_staff)
    listing = client.get(reverse("admin:followup_receptionfigure_changelist")).content.decode()
    assert "hängrännor" not in listing
    assert (
        client.get(reverse("admin:followup_receptionfigure_change", args=[hidden.pk])).status_code
        == 302
    )  # treated as missing
    own = client.get(reverse("admin:followup_receptionfigure_change", args=[lulea.pk]))
    assert b'name="_save"' in own.content
    sodertalje = ReceptionFigure.objects.create(
        municipality=Municipality.objects.get(code="0181"), year=2026, agreed_number=5
    )
    other = client.get(reverse("admin:followup_receptionfigure_change", args=[sodertalje.pk]))
    assert b'name="_save"' not in other.content


def test_staff_delete_their_own_draft_with_its_parties_goals_and_commitments(
    client, norrbotten_staff, norrbotten_draft
):
    commitment = CommitmentFactory(party=PartyFactory(agreement=norrbotten_draft))
    GoalFactory(agreement=norrbotten_draft)
    client.force_login(norrbotten_staff)
    delete_url = reverse("admin:agreements_agreement_delete", args=[norrbotten_draft.pk])

    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    assert "Kan inte ta bort" not in confirm.content.decode()

    deleted = client.post(delete_url, {"post": "yes"}, follow=True)
    assert deleted.status_code == 200
    assert not Agreement.objects.filter(pk=norrbotten_draft.pk).exists()
    assert not Party.objects.filter(pk=commitment.party_id).exists()


def test_the_national_editor_deletes_imported_drafts_from_the_list(
    client, national_editor, norrbotten_draft
):
    PartyFactory(agreement=norrbotten_draft)
    client.force_login(national_editor)
    selection = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [norrbotten_draft.pk]}

    confirm = client.post(CHANGELIST, selection)
    assert "Kan inte ta bort" not in confirm.content.decode()

    client.post(CHANGELIST, {**selection, "post": "yes"})
    assert not Agreement.objects.filter(pk=norrbotten_draft.pk).exists()
