"""The staff write API: one request creates or updates an agreement with its sections,
parties, goals and commitments; validation and scope as in the admin; optimistic locking;
nothing half-saved on error."""

import pytest

from agreements.models import Agreement, Publication
from commitments.models import Commitment
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db


def new_local_agreement(**changes):
    document = {
        "title": "Lokal överenskommelse om etablering i Kiruna",
        "level": "local",
        "county": "25",
        "municipalities": ["2584"],
        "valid_from": "2026-01-01",
        "purpose": "Att genom samverkan påskynda etableringen i arbetslivet.",
        "themes": ["arbete", "sfi"],
        "extra_sections": [{"heading": "Bilaga", "text": "Kontaktlista."}],
        "parties": [
            {"organisation": "kiruna-kommun", "signatory_name": "Kommunstyrelsens ordförande"},
            {"organisation": "arbetsformedlingen"},
        ],
        "goals": [
            {
                "text": "Fler i arbete efter 90 dagar.",
                "indicator": "Andel i arbete",
                "unit": "%",
                "baseline_value": "20",
                "baseline_year": 2025,
                "target_value": "35",
                "target_year": 2027,
            },
        ],
        "commitments": [
            {
                "party": "kiruna-kommun",
                "heading": "Sfi",
                "text": "Erbjuda sfi inom en månad.",
                "themes": ["sfi"],
            },
            {
                "party": "arbetsformedlingen",
                "heading": "Matchning",
                "text": "Matcha mot lediga jobb i gruvnäringen.",
                "themes": ["arbete"],
            },
        ],
    }
    document.update(changes)
    return document


def test_anonymous_cannot_write(api):
    response = api.post("/api/v1/agreements/", new_local_agreement(), format="json")
    assert response.status_code in (401, 403)
    assert not Agreement.objects.filter(title__contains="Kiruna").exists()


def test_staff_creates_a_whole_agreement_in_one_request(norrbotten_api):
    response = norrbotten_api.post("/api/v1/agreements/", new_local_agreement(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["publication"] == Publication.DRAFT
    assert body["slug"] == "lokal-overenskommelse-om-etablering-i-kiruna"
    assert [p["organisation"]["slug"] for p in body["parties"]] == [
        "kiruna-kommun",
        "arbetsformedlingen",
    ]
    assert body["goals"][0]["is_measurable"] is True
    assert {c["party"] for c in body["commitments"]} == {"kiruna-kommun", "arbetsformedlingen"}
    assert response["ETag"]
    agreement = Agreement.objects.get(pk=body["id"])
    assert agreement.commitments.count() == 2
    assert agreement.sections.get().heading == "Bilaga"


def test_invalid_dates_give_400_in_swedish_and_nothing_is_saved(norrbotten_api):
    response = norrbotten_api.post(
        "/api/v1/agreements/",
        new_local_agreement(valid_from="2026-01-01", valid_until="2025-01-01"),
        format="json",
    )
    assert response.status_code == 400
    assert "”Gäller till” kan inte vara före ”gäller från”" in str(response.json()["valid_until"])
    assert not Agreement.objects.filter(title__contains="Kiruna").exists()


def test_commitment_of_a_non_party_is_refused_and_nothing_half_saved(norrbotten_api):
    document = new_local_agreement()
    document["commitments"].append({"party": "migrationsverket", "text": "Något."})
    response = norrbotten_api.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 400
    assert "inte part i överenskommelsen" in response.json()["commitments[2].party"][0]
    assert not Agreement.objects.filter(title__contains="Kiruna").exists()
    assert not Commitment.objects.filter(text="Erbjuda sfi inom en månad.").exists()


def test_municipality_outside_the_county_is_refused(norrbotten_api):
    response = norrbotten_api.post(
        "/api/v1/agreements/",
        new_local_agreement(municipalities=["2584", "0181"]),
        format="json",
    )
    assert response.status_code == 400
    assert "Södertälje ligger inte i Norrbottens län" in str(response.json())


def test_shape_errors_are_in_swedish(norrbotten_api):
    response = norrbotten_api.post("/api/v1/agreements/", {"level": "planetär"}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["title"] == ["Det här fältet är obligatoriskt."]
    assert "är inte ett giltigt val" in errors["level"][0]


def test_outside_scope_is_403_and_nothing_saved(stockholm_api, unscoped_api):
    response = stockholm_api.post("/api/v1/agreements/", new_local_agreement(), format="json")
    assert response.status_code == 403
    assert "Du får bara registrera överenskommelser i ditt eget län" in response.json()["detail"]
    central = new_local_agreement(level="central", county=None, municipalities=[])
    assert stockholm_api.post("/api/v1/agreements/", central, format="json").status_code == 403
    assert (
        unscoped_api.post("/api/v1/agreements/", new_local_agreement(), format="json").status_code
        == 403
    )
    assert not Agreement.objects.filter(title__contains="Kiruna").exists()


def test_national_editor_writes_central_agreements(national_api):
    central = new_local_agreement(
        level="central",
        county=None,
        municipalities=[],
        title="Central överenskommelse 2027",
        parties=[{"organisation": "arbetsformedlingen"}],
        commitments=[],
        goals=[],
    )
    response = national_api.post("/api/v1/agreements/", central, format="json")
    assert response.status_code == 201, response.json()


def test_update_needs_if_match_and_refuses_a_stale_one_with_409(norrbotten_api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    url = f"/api/v1/agreements/{agreement.pk}/"
    first = norrbotten_api.get(url)
    etag = first["ETag"]

    missing = norrbotten_api.patch(url, {"alias": "RÖK BD"}, format="json")
    assert missing.status_code == 428

    ok = norrbotten_api.patch(url, {"alias": "RÖK BD"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200, ok.json()
    assert ok.json()["alias"] == "RÖK BD"
    assert ok.json()["parties"][0]["signatory_name"] == "Per-Ola Eriksson"  # untouched parts kept
    assert len(ok.json()["commitments"]) == 51

    stale = norrbotten_api.patch(url, {"alias": "Skrivs över?"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert "Någon annan har ändrat" in stale.json()["detail"]
    agreement.refresh_from_db()
    assert agreement.alias == "RÖK BD"

    fresh = norrbotten_api.patch(
        url, {"alias": "RÖK Norrbotten"}, format="json", HTTP_IF_MATCH=ok["ETag"]
    )
    assert fresh.status_code == 200


def test_update_keeps_contacts_and_reception_figures(norrbotten_api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    url = f"/api/v1/agreements/{agreement.pk}/"
    etag = norrbotten_api.get(url)["ETag"]
    response = norrbotten_api.patch(url, {"alias": "RÖK BD"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert agreement.contacts.count() == 12
    assert agreement.reception_figures.count() == 41


def test_an_api_change_is_in_the_history_and_refuses_an_open_admin_form(norrbotten_api):
    from reversion.models import Version

    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    lock_before = agreement.lock_version
    url = f"/api/v1/agreements/{agreement.pk}/"
    etag = norrbotten_api.get(url)["ETag"]
    norrbotten_api.patch(url, {"alias": "RÖK BD"}, format="json", HTTP_IF_MATCH=etag)
    agreement.refresh_from_db()
    assert agreement.lock_version == lock_before + 1
    latest = Version.objects.get_for_object(agreement).order_by("-revision__date_created").first()
    assert latest.revision.comment == "Ändrad via API:t."
    assert latest.revision.user.username == "norrbotten"


def test_put_replaces_the_whole_content(norrbotten_api):
    created = norrbotten_api.post("/api/v1/agreements/", new_local_agreement(), format="json")
    url = f"/api/v1/agreements/{created.json()['id']}/"
    document = new_local_agreement(commitments=[], goals=[])
    response = norrbotten_api.put(url, document, format="json", HTTP_IF_MATCH=created["ETag"])
    assert response.status_code == 200, response.json()
    assert response.json()["commitments"] == [] and response.json()["goals"] == []
    assert response.json()["slug"] == created.json()["slug"]


def test_failed_update_changes_nothing(norrbotten_api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    url = f"/api/v1/agreements/{agreement.pk}/"
    etag = norrbotten_api.get(url)["ETag"]
    response = norrbotten_api.patch(
        url,
        {"title": "Ny titel", "commitments": [{"party": "okand-organisation", "text": "x"}]},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.title.startswith("Regional överenskommelse")
    assert agreement.commitments.count() == 51


def test_other_countys_agreements(norrbotten_api, stockholm):
    draft = AgreementFactory(county=stockholm, draft=True)
    url = f"/api/v1/agreements/{draft.pk}/"
    assert (
        norrbotten_api.patch(url, {"alias": "x"}, format="json", HTTP_IF_MATCH='"x"').status_code
        == 404
    )
    published = Agreement.objects.get(lineage__slug="sodertalje-lok")
    response = norrbotten_api.patch(
        f"/api/v1/agreements/{published.pk}/", {"alias": "x"}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.alias != "x"


def test_staff_cannot_move_an_agreement_out_of_their_scope(norrbotten_api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    url = f"/api/v1/agreements/{agreement.pk}/"
    etag = norrbotten_api.get(url)["ETag"]
    response = norrbotten_api.patch(url, {"county": "01"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.county.code == "25"


def test_a_responsible_contact_is_shown_to_the_public_only_when_marked_public(api, norrbotten_api):
    contact = {"organisation": "kiruna-kommun", "name": "Karin Kontakt", "email": "k@kiruna.se"}
    commitments = new_local_agreement()["commitments"]
    commitments[0] |= {"responsible_contact": contact, "period_start": "2026-02-01"}
    document = new_local_agreement(publication="published", commitments=commitments)
    created = norrbotten_api.post("/api/v1/agreements/", document, format="json")
    assert created.status_code == 201, created.json()
    url = f"/api/v1/agreements/{created.json()['id']}/"

    public = api.get(url)
    staff = norrbotten_api.get(url)

    assert public.status_code == staff.status_code == 200
    assert public.json()["commitments"][0]["responsible_contact"] is None
    assert public.json()["commitments"][0]["period_start"] == "2026-02-01"
    assert "k@kiruna.se" not in public.content.decode()
    assert staff.json()["commitments"][0]["responsible_contact"]["email"] == "k@kiruna.se"
