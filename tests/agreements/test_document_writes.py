"""The one write path at real size (agreements/services.py): saving one changed commitment
costs the same few queries at 50 and at 200 commitments and writes only that row; a revision
copies every part; a rule the database enforces is refused in Swedish with nothing saved; the
search, the catalogue and the PDFs hear of a write once, and a draft's write leaves what the
public sees alone; many agreements are saved together for the bulk import."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from actors.models import ContactPerson, Organisation
from agreements import pdf_cache, signals
from agreements.history import agreement_history, revision_snapshot, snapshot_live
from agreements.models import Agreement, CatalogueState, Publication
from agreements.services import (
    agreement_create,
    agreement_part_apply,
    agreement_publish,
    agreement_restore,
    agreement_revise,
    agreements_documents_create,
)
from commitments.models import Commitment
from registry.documents import DocumentError

pytestmark = pytest.mark.django_db

SAVE_QUERIES = 30


def _document(parties: int, commitments: int, organisations: list[str]) -> dict:
    chosen = organisations[:parties]
    return {
        "title": f"Överenskommelse med {commitments} åtaganden",
        "level": "regional",
        "county": "25",
        "purpose": "Att mäta en stor överenskommelse.",
        "themes": ["arbete"],
        "extra_sections": [{"heading": "Bilaga", "text": "Kontaktlista."}],
        "parties": [{"organisation": slug} for slug in chosen],
        "goals": [{"text": "Fler i arbete.", "party": chosen[0]}],
        "commitments": [
            {
                "party": chosen[number % parties],
                "heading": f"Åtagande {number}",
                "text": f"Parten gör insats {number}.",
                "themes": ["arbete"] if number % 2 else [],
            }
            for number in range(commitments)
        ],
    }


@pytest.fixture
def county_organisations():
    return list(
        Organisation.objects.filter(county__code="25")
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def _published(document: dict, user) -> Agreement:
    agreement = agreement_create(document=document, user=user)
    agreement.signed_on = agreement.valid_from = agreement.created_at.date()
    agreement.save()
    return agreement_publish(agreement=agreement, user=user)


def _change_one(document):
    document["commitments"][len(document["commitments"]) // 2]["text"] = "Ändrat åtagande."


def _save_one_commitment(agreement, user) -> CaptureQueriesContext:
    fresh = Agreement.objects.get(pk=agreement.pk)
    with CaptureQueriesContext(connection) as queries:
        saved = agreement_part_apply(
            agreement=fresh,
            user=user,
            change=_change_one,
            comment="Ett åtagande ändrat.",
            opened_version=fresh.lock_version,
        )
    assert saved.lock_version == fresh.lock_version + 1
    return queries


def test_saving_one_commitment_costs_the_same_few_queries_at_50_and_200_commitments(
    norrbotten_staff, county_organisations
):
    counts = []
    for parties, commitments in ((10, 50), (20, 200)):
        agreement = _published(
            _document(parties, commitments, county_organisations), norrbotten_staff
        )
        queries = _save_one_commitment(agreement, norrbotten_staff)
        written = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].startswith(("UPDATE", "INSERT", "DELETE"))
            and Commitment._meta.db_table in query["sql"].split("SET")[0]
        ]
        assert len(written) == 1  # only the changed row
        counts.append(len(queries.captured_queries))
        changed = agreement.commitments.get(order=commitments // 2)
        assert changed.text == "Ändrat åtagande."
        assert agreement.commitments.filter(text="Ändrat åtagande.").count() == 1
    assert counts[0] == counts[1]
    assert counts[1] <= SAVE_QUERIES


def _save(agreement, user, change) -> None:
    fresh = Agreement.objects.get(pk=agreement.pk)
    agreement_part_apply(
        agreement=fresh,
        user=user,
        change=change,
        comment="Sparat.",
        opened_version=fresh.lock_version,
    )


def test_a_saves_history_is_the_whole_version_with_only_the_changed_rows_sent(
    norrbotten_staff, county_organisations, monkeypatch
):
    agreement = _published(_document(20, 200, county_organisations), norrbotten_staff)
    before = agreement_history(agreement=agreement)[1][0].revision
    sent = []
    bulk_create = Version.objects.bulk_create
    monkeypatch.setattr(
        Version.objects, "bulk_create", lambda rows: sent.extend(rows) or bulk_create(rows)
    )
    _save_one_commitment(agreement, norrbotten_staff)
    # The other 240 rows are copied from the revision before, in the database.
    assert sorted(version.content_type.model for version in sent) == ["agreement", "commitment"]
    newest = agreement_history(agreement=agreement)[1][0].revision
    assert revision_snapshot(newest) == snapshot_live(agreement)
    agreement_restore(agreement=agreement, revision_id=before.pk, user=norrbotten_staff)
    assert not agreement.commitments.filter(text="Ändrat åtagande.").exists()
    assert agreement.commitments.count() == 200


def test_a_row_changed_outside_the_document_is_in_the_next_snapshot_as_it_is(
    norrbotten_staff, county_organisations
):
    agreement = _published(_document(2, 6, county_organisations), norrbotten_staff)
    commitment = agreement.commitments.get(order=1)
    contact = ContactPerson.objects.create(
        organisation=commitment.party.organisation, name="Kim Kontakt"
    )
    Commitment.objects.filter(pk=commitment.pk).update(responsible_contact=contact)
    _save(agreement, norrbotten_staff, lambda document: document.update(purpose="Ett."))
    contact.delete()  # the commitment's contact goes with it, outside the history
    _save(agreement, norrbotten_staff, lambda document: document.update(purpose="Två."))
    _total, entries = agreement_history(agreement=agreement)
    assert revision_snapshot(entries[0].revision) == snapshot_live(agreement)
    changed = {change.label: [f.label for f in change.fields] for change in entries[0].changes}
    assert changed["Överenskommelsen"] == ["Syfte"]
    assert [labels for label, labels in changed.items() if "Åtagande 1" in label] == [
        ["Ansvarig kontaktperson"]
    ]


def test_the_first_save_of_an_agreement_without_history_keeps_the_state_before(
    norrbotten_staff, county_organisations
):
    draft = agreement_create(document=_document(3, 12, county_organisations), user=None)
    before = snapshot_live(draft)
    _save_one_commitment(draft, norrbotten_staff)
    _total, entries = agreement_history(agreement=draft)
    assert [entry.revision.comment for entry in entries] == [
        "Ett åtagande ändrat.",
        "Läget innan historiken började föras.",
    ]
    assert revision_snapshot(entries[1].revision) == before
    assert [(change.action, [f.label for f in change.fields]) for change in entries[0].changes] == [
        ("changed", ["Åtagande"])
    ]


def test_the_save_is_in_the_history_with_what_changed(norrbotten_staff, county_organisations):
    agreement = _published(_document(3, 12, county_organisations), norrbotten_staff)
    _save_one_commitment(agreement, norrbotten_staff)
    _total, entries = agreement_history(agreement=agreement)
    newest = entries[0]
    assert newest.revision.comment == "Ett åtagande ändrat."
    assert newest.who == norrbotten_staff.get_username()
    assert [(change.action, [f.label for f in change.fields]) for change in newest.changes] == [
        ("changed", ["Åtagande"])
    ]


def test_a_save_opened_before_another_is_refused_and_changes_nothing(
    norrbotten_staff, county_organisations
):
    agreement = _published(_document(2, 4, county_organisations), norrbotten_staff)
    opened = agreement.lock_version
    _save_one_commitment(agreement, norrbotten_staff)
    with pytest.raises(ValidationError) as refused:
        agreement_part_apply(
            agreement=agreement,
            user=norrbotten_staff,
            change=lambda document: document["commitments"][0].update(text="Mitt"),
            comment="",
            opened_version=opened,
        )
    assert refused.value.code == "stale"
    assert "Någon annan har sparat överenskommelsen" in refused.value.messages[0]
    assert not agreement.commitments.filter(text="Mitt").exists()


def test_another_countys_staff_may_not_save(stockholm_staff, norrbotten_staff):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    with pytest.raises(PermissionDenied):
        agreement_part_apply(
            agreement=agreement,
            user=stockholm_staff,
            change=_change_one,
            comment="",
            opened_version=agreement.lock_version,
        )


def test_a_rule_the_database_enforces_is_refused_in_swedish_and_nothing_is_saved(
    norrbotten_staff, county_organisations
):
    agreement = _published(_document(2, 6, county_organisations), norrbotten_staff)
    lock = agreement.lock_version

    def period_backwards(document):
        document["commitments"][1]["text"] = "Sparas inte."
        document["commitments"][4].update(period_start="2027-01-01", period_end="2026-01-01")

    with pytest.raises(DocumentError) as refused:
        agreement_part_apply(
            agreement=agreement,
            user=norrbotten_staff,
            change=period_backwards,
            comment="",
            opened_version=lock,
        )
    assert refused.value.errors == {
        "commitments[4]": ["Periodens slut kan inte vara före dess början."]
    }
    assert not agreement.commitments.filter(text="Sparas inte.").exists()
    assert Agreement.objects.get(pk=agreement.pk).lock_version == lock


def test_a_revision_copies_every_part_in_a_fixed_number_of_queries(
    norrbotten_staff, county_organisations
):
    counts = []
    for parties, commitments in ((10, 50), (20, 200)):
        source = _published(_document(parties, commitments, county_organisations), norrbotten_staff)
        with CaptureQueriesContext(connection) as queries:
            revised = agreement_revise(agreement=source, user=norrbotten_staff)
        counts.append(len(queries.captured_queries))
        assert revised.version_number == 2
        assert revised.publication == Publication.DRAFT
        for related in ("parties", "goals", "commitments", "sections"):
            assert getattr(revised, related).count() == getattr(source, related).count()
        assert list(
            revised.commitments.order_by("order").values_list("heading", "party__organisation")
        ) == list(
            source.commitments.order_by("order").values_list("heading", "party__organisation")
        )
        assert revised.commitments.filter(themes__slug="arbete").count() == commitments // 2
        assert list(revised.themes.values_list("slug", flat=True)) == ["arbete"]
        assert agreement_history(agreement=revised)[1][0].revision.comment.startswith(
            "Ny version 2"
        )
    assert counts[0] == counts[1]


@pytest.fixture
def refreshes(monkeypatch):
    calls = []
    refresh = signals.agreement_search_refresh

    def spy(*, agreement_ids, **kwargs):
        calls.append(sorted(agreement_ids))
        return refresh(agreement_ids=agreement_ids, **kwargs)

    monkeypatch.setattr(signals, "agreement_search_refresh", spy)
    return calls


@pytest.fixture
def pdf_generations(monkeypatch):
    """The PDF generations renewed, one list per call to the PDF cache."""
    renewed = []

    class Recorder:
        def delete(self, key):
            renewed.append([key])

        def delete_many(self, keys):
            renewed.append(list(keys))

    monkeypatch.setattr(pdf_cache, "pdf_cache", Recorder)
    return renewed


def test_a_save_of_20_commitments_refreshes_once_and_renews_the_pdf_once(
    norrbotten_staff,
    county_organisations,
    refreshes,
    pdf_generations,
    django_capture_on_commit_callbacks,
):
    agreement = _published(_document(2, 20, county_organisations), norrbotten_staff)
    refreshes.clear()

    def rewrite_all(document):
        for number, commitment in enumerate(document["commitments"]):
            commitment["text"] = f"Omskrivet {number}."

    with django_capture_on_commit_callbacks(execute=True):
        agreement_part_apply(
            agreement=agreement,
            user=norrbotten_staff,
            change=rewrite_all,
            comment="",
            opened_version=agreement.lock_version,
        )
    assert refreshes == [[agreement.pk]]
    assert agreement.commitments.filter(text__startswith="Omskrivet").count() == 20
    # Its own PDF, once; not every agreement's.
    assert pdf_generations == [[pdf_cache._agreement_key(agreement.pk)]]


def test_a_drafts_save_leaves_every_public_cache_alone(
    norrbotten_staff,
    county_organisations,
    refreshes,
    pdf_generations,
    django_capture_on_commit_callbacks,
):
    draft = agreement_create(document=_document(2, 20, county_organisations), user=norrbotten_staff)
    token = CatalogueState.objects.values_list("token", flat=True).first()
    refreshes.clear()

    def rename(document):
        document["title"] = "Nytt namn på utkastet"
        _change_one(document)

    with django_capture_on_commit_callbacks(execute=True):
        agreement_part_apply(
            agreement=draft,
            user=norrbotten_staff,
            change=rename,
            comment="",
            opened_version=draft.lock_version,
        )
    assert CatalogueState.objects.values_list("token", flat=True).first() == token
    assert pdf_generations == [[pdf_cache._agreement_key(draft.pk)]]
    assert refreshes == [[draft.pk]]  # still searchable for its staff


def test_many_agreements_are_saved_together_with_one_refresh_and_a_history_each(
    national_editor, county_organisations, refreshes
):
    documents = [
        {**_document(3, 5, county_organisations), "title": f"Importerad {number}"}
        for number in range(12)
    ]
    with CaptureQueriesContext(connection) as queries:
        created = agreements_documents_create(
            documents=documents, user=national_editor, comment=lambda index: f"Rad {index + 2}."
        )
    assert [agreement.title for agreement in created] == [f"Importerad {n}" for n in range(12)]
    assert all(agreement.commitments.count() == 5 for agreement in created)
    assert refreshes == [sorted(agreement.pk for agreement in created)]
    assert [agreement_history(agreement=a)[1][0].revision.comment for a in created[:2]] == [
        "Rad 2.",
        "Rad 3.",
    ]
    assert Version.objects.get_for_object(created[5]).count() == 1
    assert len(queries.captured_queries) < 12 * 15  # not a query per row


def test_many_agreements_are_all_or_nothing_and_say_which_document_is_wrong(
    national_editor, county_organisations
):
    documents = [_document(2, 2, county_organisations) for _ in range(3)]
    documents[2]["commitments"][1]["party"] = "finns-inte"
    count = Agreement.objects.count()
    with pytest.raises(DocumentError) as refused:
        agreements_documents_create(documents=documents, user=national_editor, comment=str)
    assert refused.value.document_index == 2
    assert list(refused.value.errors) == ["commitments[1].party"]
    assert Agreement.objects.count() == count
