"""The history and the conflict box show what people changed: never the search and facet
columns (a read model of their own) nor an attachment's extracted text, which snapshots leave
out, also when older snapshots still hold them."""

import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from reversion.models import Version

from agreements.history import history_record
from agreements.models import Agreement, Attachment, CatalogueEntry
from agreements.registry_io import RETIRED_FIELDS
from agreements.search import agreement_search_refresh
from agreements.services import agreement_restore
from tests.agreements.helpers import (
    change_url,
    form_data,
    history_url,
    party_page_data,
    party_url,
    pdf_bytes,
)
from tests.factories import AgreementFactory, CommitmentFactory, OrganisationFactory, PartyFactory

pytestmark = pytest.mark.django_db

READ_MODEL_LABELS = ("Söktext", "söktext", "stavningstolerant", "Facet", "facet_")
READ_MODEL_COLUMNS = tuple(RETIRED_FIELDS["agreements.agreement"])
# 100,000 characters, the most a snapshot used to hold of one attachment.
ATTACHMENT_TEXT = "bilagetextord " * (100_000 // len("bilagetextord "))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def agreement():
    agreement = AgreementFactory(
        title="Lokal överenskommelse i Gällivare", purpose="Samverkan för etablering."
    )
    party = PartyFactory(
        agreement=agreement,
        organisation=OrganisationFactory(name="Gällivare kommun (test)"),
        signatory_name="Anna Andersson",
    )
    CommitmentFactory(party=party, heading="Arbete", text="Kommunen erbjuder praktik.")
    attachment = Attachment.objects.create(
        agreement=agreement,
        title="Undertecknat original",
        file=ContentFile(pdf_bytes(), name="original.pdf"),
    )
    Attachment.objects.filter(pk=attachment.pk).update(extracted_text=ATTACHMENT_TEXT)
    agreement_search_refresh(agreement_ids=[agreement.pk])
    return agreement


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _save_commitment(client, agreement, text) -> None:
    """On the party page, as staff edit a commitment."""
    url = party_url(agreement, agreement.commitments.get().party)
    data = party_page_data(client.get(url))
    data["atagande-0-text"] = text
    response = client.post(url, data)
    assert response.status_code == 302


def test_a_commitment_edit_is_shown_as_an_edit_of_that_commitment(agreement, norrbotten_staff):
    client = _client(norrbotten_staff)

    _save_commitment(client, agreement, "Kommunen erbjuder praktik och handledning.")

    response = client.get(history_url(agreement))
    assert response.status_code == 200
    history = response.content.decode()
    assert "Åtagande för Gällivare kommun (test)" in history
    assert '<th scope="row">Åtagande</th>' in history
    assert "<ins>och handledning.</ins>" in history or "och handledning." in history
    assert "Överenskommelsen – ändrat" not in history  # the agreement itself is unchanged
    for label in READ_MODEL_LABELS:
        assert label not in history
    assert "bilagetextord" not in history
    # The catalogue entry followed the edit.
    assert "handledning" in CatalogueEntry.objects.get(agreement=agreement).search_text


def test_the_conflict_box_names_the_commitment_field_capitalised(
    agreement, norrbotten_staff, national_editor
):
    first, second = _client(national_editor), _client(norrbotten_staff)
    second_data = form_data(second.get(change_url(agreement)))
    _save_commitment(first, agreement, "Kommunen erbjuder praktik i tre månader.")

    refused = second.post(change_url(agreement), second_data)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert '<th scope="row">Åtagande</th>' in page
    for label in READ_MODEL_LABELS:
        assert label not in page


def test_nine_saves_keep_the_history_page_small(agreement, norrbotten_staff):
    client = _client(norrbotten_staff)
    for number in range(1, 10):
        _save_commitment(client, agreement, f"Kommunen erbjuder praktik, ändring {number}.")

    response = client.get(history_url(agreement))

    assert response.status_code == 200
    assert Version.objects.get_for_object(agreement).count() == 10  # the state before, nine
    assert "9.</ins>" in response.content.decode()  # the last change, word by word
    assert len(response.content) < 60_000


def test_a_snapshot_holds_no_attachment_text_and_no_read_model_column(agreement, norrbotten_staff):
    history_record(agreement=agreement, user=norrbotten_staff, comment="Test.")

    revisions = Version.objects.get_for_object(agreement).values("revision_id")
    stored = "".join(
        Version.objects.filter(revision_id__in=revisions).values_list("serialized_data", flat=True)
    )
    assert "Undertecknat original" in stored  # the attachment is in the snapshot
    assert "extracted_text" not in stored
    assert "bilagetextord" not in stored
    for column in READ_MODEL_COLUMNS:
        assert column not in stored
    assert len(stored) < 10_000


def _legacy(version: Version, **fields) -> None:
    """The snapshot as it was stored before the columns left it."""
    data = json.loads(version.serialized_data)
    data[0]["fields"].update(fields)
    Version.objects.filter(pk=version.pk).update(serialized_data=json.dumps(data))


@pytest.fixture
def legacy_revision(agreement, norrbotten_staff):
    """A revision stored before: the agreement with its search and facet columns, the
    attachment with its whole text."""
    history_record(agreement=agreement, user=norrbotten_staff, comment="Före flytten.")
    versions = Version.objects.get_for_object(agreement).first().revision.version_set
    _legacy(
        versions.get(content_type__model="agreement"),
        search_text="gammal söktext",
        search_terms="gammal",
        facet_themes=[1, 4, 7],
        facet_organisations=[2],
    )
    _legacy(versions.get(content_type__model="attachment"), extracted_text="gammal bilagetext")
    return versions.first().revision


def test_old_snapshots_with_the_removed_fields_compare_and_restore(
    agreement, legacy_revision, norrbotten_staff
):
    # Unchanged since the old snapshot: nothing new is recorded.
    history_record(agreement=agreement, user=norrbotten_staff, only_if_changed=True)
    assert Version.objects.get_for_object(agreement).count() == 1

    client = _client(norrbotten_staff)
    _save_commitment(client, agreement, "Kommunen erbjuder praktik och språkstöd.")
    Agreement.objects.filter(pk=agreement.pk).update(title="Ny rubrik")
    history_record(agreement=agreement, user=norrbotten_staff, comment="Ny rubrik.")
    response = client.get(history_url(agreement))
    assert response.status_code == 200
    for label in READ_MODEL_LABELS:
        assert label not in response.content.decode()

    restored = agreement_restore(
        agreement=agreement, revision_id=legacy_revision.pk, user=norrbotten_staff
    )

    assert restored.title == "Lokal överenskommelse i Gällivare"
    assert restored.commitments.get().text == "Kommunen erbjuder praktik."
    # The attachment's text belongs to its file, which is the same: it stays.
    assert restored.attachments.get().extracted_text == ATTACHMENT_TEXT
    entry = CatalogueEntry.objects.get(agreement=restored)
    assert "språkstöd" not in entry.search_text
    assert "bilagetextord" in entry.search_text


def test_restoring_a_snapshot_without_the_text_keeps_the_attachment_searchable(
    agreement, norrbotten_staff
):
    history_record(agreement=agreement, user=norrbotten_staff, comment="Före.")
    first = Version.objects.get_for_object(agreement).first().revision
    client = _client(norrbotten_staff)
    _save_commitment(client, agreement, "Kommunen erbjuder praktik och språkstöd.")

    restored = agreement_restore(agreement=agreement, revision_id=first.pk, user=norrbotten_staff)

    assert restored.commitments.get().text == "Kommunen erbjuder praktik."
    assert restored.attachments.get().extracted_text == ATTACHMENT_TEXT
    assert Agreement.objects.filter(pk=agreement.pk).search("bilagetextord").exists()
