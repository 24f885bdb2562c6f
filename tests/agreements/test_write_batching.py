"""A staff write refreshes its agreement's search once and moves the catalogue's change marker
once, at its end, only when something public changed (agreements/signals.py); the marker never
makes one staff write wait for another; a version has at most so many parts of each kind."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements import signals
from agreements.document import agreement_document_dump
from agreements.models import Agreement, CatalogueEntry, CatalogueState, Publication
from agreements.services import agreement_document_apply
from tests.agreements.helpers import party_page_data, party_url
from tests.api.conftest import client_with_token
from tests.api.test_write import new_local_agreement

pytestmark = pytest.mark.django_db

MARKER = CatalogueState._meta.db_table


@pytest.fixture
def refreshes(monkeypatch):
    """The agreement ids of every search refresh, one list per refresh."""
    calls = []
    refresh = signals.agreement_search_refresh

    def spy(*, agreement_ids, **kwargs):
        calls.append(sorted(agreement_ids))
        return refresh(agreement_ids=agreement_ids, **kwargs)

    monkeypatch.setattr(signals, "agreement_search_refresh", spy)
    return calls


def marker_writes(queries) -> int:
    return sum(
        MARKER in query["sql"] and query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        for query in queries.captured_queries
    )


def commitments(count: int) -> list[dict]:
    return [
        {"party": "kiruna-kommun", "heading": f"Åtagande {n}", "text": f"Text {n}."}
        for n in range(count)
    ]


def test_an_api_post_of_20_commitments_refreshes_once_and_moves_the_marker_once(
    norrbotten_staff, refreshes
):
    api = client_with_token(norrbotten_staff)
    document = new_local_agreement(commitments=commitments(20), publication="published")
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 201, response.json()
    created = Agreement.objects.get(pk=response.json()["id"])
    assert created.publication == Publication.PUBLISHED
    assert created.commitments.count() == 20
    assert refreshes == [[created.pk]]
    assert marker_writes(queries) == 1
    # What was saved is what is searched.
    assert "Text 19." in CatalogueEntry.objects.get(agreement=created).search_text


def test_an_admin_save_of_a_partys_commitments_refreshes_once_and_moves_the_marker_once(
    client, norrbotten_staff, refreshes
):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    party = max(agreement.parties.all(), key=lambda p: p.commitments.count())
    count = party.commitments.count()
    client.force_login(norrbotten_staff)
    data = party_page_data(client.get(party_url(agreement, party)))
    for index in range(count):
        data[f"atagande-{index}-text"] = f"Omskrivet åtagande nummer {index}."
    refreshes.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(party_url(agreement, party), data)
    assert response.status_code == 302
    assert agreement.commitments.filter(text__startswith="Omskrivet åtagande").count() == count
    assert refreshes == [[agreement.pk]]
    assert marker_writes(queries) == 1


def test_a_drafts_edit_leaves_the_public_catalogue_alone(norrbotten_staff, refreshes):
    api = client_with_token(norrbotten_staff)
    created = api.post("/api/v1/agreements/", new_local_agreement(), format="json")
    assert created.status_code == 201
    url = f"/api/v1/agreements/{created.json()['id']}/"
    token = CatalogueState.objects.values_list("token", flat=True).first()
    with CaptureQueriesContext(connection) as queries:
        response = api.patch(
            url,
            {"commitments": commitments(20)},
            format="json",
            HTTP_IF_MATCH=created["ETag"],
        )
    assert response.status_code == 200, response.json()
    assert marker_writes(queries) == 0
    assert CatalogueState.objects.values_list("token", flat=True).first() == token
    # The draft is still searchable for its staff: its search document is refreshed, once.
    assert refreshes[-1:] == [[created.json()["id"]]]


def test_publishing_and_unpublishing_move_the_marker(norrbotten_staff):
    api = client_with_token(norrbotten_staff)
    created = api.post("/api/v1/agreements/", new_local_agreement(), format="json")
    url, etag = f"/api/v1/agreements/{created.json()['id']}/", created["ETag"]
    for change in (
        {"publication": "published"},
        {"publication": "draft", "unpublish_reason": "Fel version."},
    ):
        before = CatalogueState.objects.values_list("token", flat=True).first()
        response = api.patch(url, change, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.json()
        assert response.json()["publication"] == change["publication"]
        assert CatalogueState.objects.values_list("token", flat=True).first() != before
        etag = response["ETag"]


def test_too_many_commitments_are_refused_in_swedish_and_nothing_is_saved(norrbotten_staff):
    api = client_with_token(norrbotten_staff)
    count = Agreement.objects.count()
    response = api.post(
        "/api/v1/agreements/",
        new_local_agreement(commitments=commitments(1001)),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["commitments"] == [
        "En version får ha högst 1\u00a0000 åtaganden; den här har 1\u00a0001. Dela upp "
        "överenskommelsen eller ta bort det som inte hör dit."
    ]
    assert Agreement.objects.count() == count


def test_the_admin_offers_no_more_rows_than_the_limit(client, norrbotten_staff):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    client.force_login(norrbotten_staff)
    page = client.get(party_url(agreement, agreement.parties.first()))
    assert page.context["goal_formset"].max_num == 300
    commitments_formset = page.context["commitment_formset"]
    assert commitments_formset.max_num == 1000
    assert commitments_formset.error_messages["too_many_forms"] == (
        "En version får ha högst 1\u00a0000 åtaganden. Dela upp överenskommelsen eller ta bort "
        "det som inte hör dit."
    )


@pytest.mark.slow
def test_a_long_staff_write_does_not_make_another_wait():
    """Writer A saves agreement A's document in a transaction it keeps open; meanwhile writer
    B saves a change to agreement B and commits, and is not kept waiting (before, A's first
    part save locked the marker's row until A's commit: 25 s behind a 1,000-commitment POST).

    Both writers use connections of their own and commit for real, so B's change is put back
    at the end and A rolls back."""
    a = Agreement.objects.get(lineage__slug="norrbotten-rok")
    b = (
        Agreement.objects.filter(publication=Publication.PUBLISHED, level="local")
        .exclude(pk=a.pk)
        .order_by("pk")
        .first()
    )
    a_document, b_document = (
        agreement_document_dump(agreement=a),
        agreement_document_dump(agreement=b),
    )
    a_document["commitments"] = a_document["commitments"] + [
        dict(a_document["commitments"][0], heading="Ett till")
    ]
    written, finish = threading.Event(), threading.Event()
    outcome: dict = {}

    def writer_a():
        try:
            with transaction.atomic():
                outcome["a_pid"] = connection.connection.info.backend_pid
                agreement_document_apply(
                    agreement=Agreement.objects.get(pk=a.pk), document=a_document
                )
                written.set()
                finish.wait(10)
                transaction.set_rollback(True)
        finally:
            written.set()
            connection.close()

    def writer_b(document):
        try:
            started = time.monotonic()
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                with signals.agreement_changes():
                    agreement_document_apply(
                        agreement=Agreement.objects.get(pk=b.pk), document=document
                    )
            outcome.setdefault("b_seconds", time.monotonic() - started)
        except Exception as error:  # reported by the assertion below
            outcome["b_error"] = error
        finally:
            connection.close()

    thread_a = threading.Thread(target=writer_a)
    thread_a.start()
    try:
        assert written.wait(30)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = %s AND l.pid = %s",
                [MARKER, outcome["a_pid"]],
            )
            assert cursor.fetchone()[0] == 0  # A holds no lock on the marker
        thread_b = threading.Thread(target=writer_b, args=[dict(b_document, alias="Ändrad")])
        thread_b.start()
        thread_b.join(10)
        assert "b_error" not in outcome, outcome.get("b_error")
        assert outcome["b_seconds"] < 5  # committed while A's transaction is still open
    finally:
        finish.set()
        thread_a.join(10)
        restore = threading.Thread(target=writer_b, args=[b_document])
        restore.start()
        restore.join(10)
