"""The write API publishes and unpublishes only through the admin's services: the same
checks and Swedish messages (400, nothing changed), the earlier version's end date, and a
reason for unpublishing kept in the history."""

import datetime

import pytest
from reversion.models import Version

from actors.models import ContactPerson, Organisation
from agreements.models import Agreement, Publication
from tests.api.test_write import new_local_agreement
from tests.factories import AgreementFactory, PartyFactory

pytestmark = pytest.mark.django_db


def _comments(agreement) -> list[str]:
    return [version.revision.comment for version in Version.objects.get_for_object(agreement)]


def _patch(client, agreement, data):
    return client.patch(
        f"/api/v1/agreements/{agreement.pk}/", data, format="json", HTTP_IF_MATCH="*"
    )


def test_creating_an_incomplete_agreement_as_published_is_400_with_the_admins_message(
    norrbotten_api,
):
    document = new_local_agreement(publication="published", parties=[], goals=[], commitments=[])

    response = norrbotten_api.post("/api/v1/agreements/", document, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "publication": ["Överenskommelsen har inga parter. Lägg till minst en part."]
    }
    assert not Agreement.objects.filter(title__contains="Kiruna").exists()


def test_a_complete_agreement_is_published_through_the_workflow(api, norrbotten_api):
    document = new_local_agreement(publication="published")

    response = norrbotten_api.post("/api/v1/agreements/", document, format="json")

    assert response.status_code == 201, response.json()
    agreement = Agreement.objects.get(pk=response.json()["id"])
    assert agreement.publication == Publication.PUBLISHED and agreement.published_at
    assert _comments(agreement)[:2] == ["Publicerad.", "Registrerad via API:t."]
    assert api.get(f"/api/v1/agreements/{agreement.pk}/").status_code == 200


def test_publishing_an_incomplete_draft_is_refused_and_changes_nothing(norrbotten_api):
    draft = AgreementFactory(draft=True, title="Tomt utkast")
    lock_version = draft.lock_version

    response = _patch(norrbotten_api, draft, {"publication": "published", "alias": "Nytt"})

    assert response.status_code == 400
    messages = response.json()["publication"]
    assert "Överenskommelsen har inga parter. Lägg till minst en part." in messages
    assert any(message.startswith("Överenskommelsen har inget innehåll") for message in messages)
    draft.refresh_from_db()
    assert draft.publication == Publication.DRAFT
    assert (draft.alias, draft.lock_version) == ("", lock_version)


def test_publishing_a_draft_linked_to_an_unpublished_agreement_is_refused(norrbotten_api):
    umbrella = AgreementFactory(draft=True, title="Opublicerat paraply")
    draft = AgreementFactory(draft=True, purpose="Samverkan.", based_on=umbrella)
    PartyFactory(agreement=draft)

    response = _patch(norrbotten_api, draft, {"publication": "published"})

    assert response.status_code == 400
    assert "Överenskommelsen som den bygger på" in response.json()["publication"][0]
    draft.refresh_from_db()
    assert not draft.is_published


def test_publishing_a_revision_ends_the_earlier_version(norrbotten_api):
    earlier = AgreementFactory(valid_from=datetime.date(2020, 1, 1), purpose="Samverkan.")
    revision = AgreementFactory(
        draft=True,
        lineage=earlier.lineage,
        version_number=2,
        purpose="Samverkan, reviderad.",
    )
    PartyFactory(agreement=revision)

    incomplete = _patch(norrbotten_api, revision, {"publication": "published"})
    complete = _patch(
        norrbotten_api,
        revision,
        {
            "publication": "published",
            "version_label": "Reviderad 2024",
            "signed_on": "2023-12-01",
            "valid_from": "2024-01-01",
        },
    )

    assert incomplete.status_code == 400
    assert any("versionsbeteckning" in m for m in incomplete.json()["publication"])
    assert complete.status_code == 200, complete.json()
    earlier.refresh_from_db()
    assert earlier.valid_until == datetime.date(2023, 12, 31)
    assert any(comment.startswith("Ersatt av version 2") for comment in _comments(earlier))


def test_unpublishing_needs_a_reason_that_is_kept_in_the_history(norrbotten_api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)

    without = _patch(norrbotten_api, agreement, {"publication": "draft"})
    blank = _patch(norrbotten_api, agreement, {"publication": "draft", "unpublish_reason": " "})

    assert without.status_code == blank.status_code == 400
    assert without.json() == {
        "unpublish_reason": [
            "Skriv varför överenskommelsen avpubliceras; skälet sparas i historiken."
        ]
    }
    agreement.refresh_from_db()
    assert agreement.is_published

    done = _patch(
        norrbotten_api,
        agreement,
        {"publication": "draft", "unpublish_reason": "Fel länsnamn i titeln."},
    )

    assert done.status_code == 200, done.json()
    assert done.json()["publication"] == Publication.DRAFT
    agreement.refresh_from_db()
    assert not agreement.is_published
    assert "Avpublicerad. Skäl: Fel länsnamn i titeln." in _comments(agreement)


def test_put_without_publication_keeps_it(norrbotten_api):
    created = norrbotten_api.post(
        "/api/v1/agreements/", new_local_agreement(publication="published"), format="json"
    )
    url = f"/api/v1/agreements/{created.json()['id']}/"

    response = norrbotten_api.put(url, new_local_agreement(), format="json", HTTP_IF_MATCH="*")

    assert response.status_code == 200, response.json()
    assert response.json()["publication"] == Publication.PUBLISHED


def test_the_unpublish_reason_is_in_the_openapi_description(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["AgreementDocumentRequest"]["properties"]
    assert "unpublish_reason" in fields
    assert "avpublicera" in fields["unpublish_reason"]["description"]


def test_another_countys_contact_person_cannot_be_made_public_through_a_document(
    stockholm_api, norrbotten_api
):
    board = Organisation.objects.get(slug="lansstyrelsen-i-norrbottens-lan")
    contact = ContactPerson.objects.create(
        organisation=board, name="Doris Handläggare", email="doris@example.se"
    )
    written = {
        "organisation": board.slug,
        "name": contact.name,
        "email": contact.email,
        "is_public": True,
    }

    def document(**changes):
        return new_local_agreement(
            commitments=[
                {"party": "kiruna-kommun", "text": "Sfi.", "responsible_contact": written}
            ],
            **changes,
        )

    stockholm = document(
        title="Lokal överenskommelse i Södertälje",
        county="01",
        municipalities=["0181"],
        parties=[{"organisation": "kiruna-kommun"}],
    )
    refused = stockholm_api.post("/api/v1/agreements/", stockholm, format="json")

    assert refused.status_code == 400
    assert "som du inte får ändra" in refused.json()["commitments[0].responsible_contact"][0]
    contact.refresh_from_db()
    assert not contact.is_public
    assert not Agreement.objects.filter(title="Lokal överenskommelse i Södertälje").exists()

    allowed = norrbotten_api.post("/api/v1/agreements/", document(), format="json")
    assert allowed.status_code == 201, allowed.json()
    contact.refresh_from_db()
    assert contact.is_public
