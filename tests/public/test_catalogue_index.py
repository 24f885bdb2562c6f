"""The catalogue's in-memory index (agreements/catalogue_index.py) must answer exactly as the
FilterSet's QuerySet does: the same agreements in the same order, and facet counts equal to
counting the QuerySet with every other filter applied. And it must follow the registry's
changes at once (in production: within the time of a rebuild, no reader waiting for it)."""

import datetime
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from actors.models import County, Organisation
from agreements import catalogue_index as catalogue_index_module
from agreements.catalogue_index import catalogue_index
from agreements.filters import AgreementFilterSet, Sort, sort_queryset
from agreements.models import Agreement
from agreements.selectors import CATALOGUE_PAGE_SIZE, catalogue_search
from commitments.models import TargetGroup, Theme
from tests.factories import AgreementFactory, PartyFactory, local_agreement
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def varied_registry():
    """The seeds plus versions of every status, themes, target groups, parties and years."""
    dalarna = County.objects.get(code="20")
    sfi, work = Theme.objects.get(slug="sfi"), Theme.objects.order_by("pk").last()
    group = TargetGroup.objects.order_by("pk").first()
    agency = Organisation.objects.get(slug="arbetsformedlingen")
    made = []
    for number in range(6):
        agreement = local_agreement(
            municipality_codes=["2080", "2081"][: 1 + number % 2],
            title=f"Dalaavtal {number} om {'Åsa' if number % 2 else 'arbete'}",
            signed_on=datetime.date(2015 + number, 3, 1),
            valid_from=datetime.date(2015 + number, 4, 1),
            valid_until=TODAY - DAY if number == 3 else None,
            is_good_example=number % 3 == 0,
            purpose="Praktik och sfi för nyanlända." if number % 2 else "Arbete först.",
        )
        agreement.themes.add(sfi if number % 2 else work)
        agreement.target_groups.add(group)
        PartyFactory(agreement=agreement, organisation=agency)
        made.append(agreement)
    AgreementFactory(title="Regional dalaöverenskommelse", county=dalarna, valid_from=TODAY + DAY)
    AgreementFactory(title="Odaterad överenskommelse", county=dalarna)
    AgreementFactory(title="Utkast om praktik", county=dalarna, draft=True)
    revision_create(agreement=made[0], valid_from=TODAY - 10 * DAY)
    revision_create(agreement=made[1], publish=False, title="Dalaavtal 1, utkast")
    return made


PARAMETERS = [
    {},
    {"sort": "newest"},
    {"county": "dalarnas-lan"},
    {"county": "dalarnas-lan", "level": "local", "theme": "sfi"},
    {"municipality": ["falun", "borlange"], "sort": "newest"},
    {"organisation_kind": "national_agency", "status": "in_force"},
    {"organisation": "arbetsformedlingen", "good_example": "true"},
    {"good_example": "false", "county": "dalarnas-lan"},
    {"status": ["superseded", "expired"]},
    {"status": "upcoming", "year": "2016"},
    {"year": ["2016", "2017"], "sort": "title"},
    {"year": ["unknown", "2017"]},
    {"q": "praktik"},
    {"q": "praktik", "county": "dalarnas-lan", "sort": "title"},
    {"q": "arbete -praktik", "sort": "newest"},
    {"q": "Norrboten"},  # the spelling fallback
    {"q": "ingenting-sådant-finns"},
    {"target_group": lambda: TargetGroup.objects.order_by("pk"), "theme": "sfi"},
]


def _parameters(raw):
    return {
        name: (value().first().slug if callable(value) else value) for name, value in raw.items()
    }


def _expected_ids(params):
    filterset = AgreementFilterSet(params)
    filterset.is_valid()
    return list(filterset.qs.values_list("pk", flat=True))


def _expected_counts(params, facet):
    """Counting the FilterSet's QuerySet with every filter but the facet's own."""
    filterset = AgreementFilterSet(params)
    filterset.is_valid()
    queryset = filterset.queryset.all()
    if filterset.query:
        queryset = filterset.filter_search(queryset, "q", filterset.query)
    if facet == "status":
        queryset = queryset.with_status()
    queryset = filterset.filter_queryset(queryset, without=facet, ordered=False)
    counts = Counter()
    for agreement in queryset.with_status().select_related("county", "catalogue_entry"):
        values = {
            "level": [agreement.level],
            "county": [agreement.county.slug] if agreement.county else [],
            "status": [agreement.legal_status],
            "year": [str(agreement.signed_on.year) if agreement.signed_on else "unknown"],
            "good_example": ["true"] if agreement.is_good_example else [],
            "organisation_kind": agreement.catalogue_entry.facet_organisation_kinds,
        }.get(facet)
        if values is None:
            model = {
                "municipality": agreement.municipalities,
                "organisation": Organisation.objects.filter(parties__agreement=agreement),
                "theme": Theme.objects.filter(pk__in=agreement.catalogue_entry.facet_themes),
                "target_group": agreement.target_groups,
            }[facet]
            values = {item.slug for item in model.all()}
        counts.update(values)
    return dict(counts)


@pytest.mark.parametrize("raw", PARAMETERS, ids=[str(p) for p in PARAMETERS])
def test_the_index_answers_as_the_filterset_does(varied_registry, raw):
    params = _parameters(raw)
    expected = _expected_ids(params)
    pages = []
    number = 1
    while True:
        result = catalogue_search(params=params, page_number=number)
        pages += [agreement.pk for agreement in result.agreements]
        if not result.page.has_next():
            break
        number += 1
    assert result.count == len(expected)
    if params.get("q") and params.get("sort") is None:
        # Relevance: the same agreements; ties may fall in either order.
        assert sorted(pages) == sorted(expected)
    else:
        assert pages == expected
    for facet, counted in result.facets.items():
        assert {item.value: item.count for item in counted} == _expected_counts(params, facet), (
            facet
        )


def test_relevance_puts_title_matches_first(varied_registry):
    result = catalogue_search(params={"q": "Åsa"})
    assert result.agreements
    assert all("Åsa" in agreement.title for agreement in result.agreements[:3])


def test_a_change_shows_at_once_and_a_draft_never(client):
    url = reverse("agreements:catalogue")
    client.get(url)  # the index is read
    created = AgreementFactory(title="Helt ny överenskommelse om blåbär")
    assert "Helt ny överenskommelse om blåbär" in client.get(f"{url}?q=blåbär").content.decode()
    created.publication = "draft"
    created.published_at = None
    created.save()
    assert "Helt ny överenskommelse" not in client.get(f"{url}?q=blåbär").content.decode()
    assert "Helt ny överenskommelse" not in client.get(url).content.decode()
    created.delete()
    assert client.get(f"{url}?page=1").status_code == 200


def test_a_search_asked_again_after_an_edit_finds_and_cuts_the_new_text(client):
    """A search's matches, ranks and snippets are remembered only while the registry stays as
    it is: an edit of a published agreement's text is searched and shown at once."""
    url = reverse("agreements:catalogue")
    agreement = AgreementFactory(title="Överenskommelse om bär", purpose="Vi plockar blåbär.")
    for _ in range(2):
        assert "<mark>blåbär</mark>" in client.get(f"{url}?q=blåbär").content.decode()
    agreement.purpose = "Vi plockar lingon."
    agreement.save()
    assert "Överenskommelse om bär" not in client.get(f"{url}?q=blåbär").content.decode()
    assert "<mark>lingon</mark>" in client.get(f"{url}?q=lingon").content.decode()


def test_a_new_day_gives_new_statuses(client, monkeypatch):
    AgreementFactory(title="Börjar i morgon", valid_from=TODAY + DAY)
    url = reverse("agreements:catalogue") + "?q=Börjar morgon"
    assert 'value="upcoming"' in client.get(url).content.decode()
    monkeypatch.setattr("agreements.catalogue_index.timezone.localdate", lambda *args: TODAY + DAY)
    monkeypatch.setattr("agreements.models.timezone.localdate", lambda *args: TODAY + DAY)
    html = client.get(url).content.decode()
    assert 'value="in_force"' in html
    assert 'value="upcoming"' not in html


def test_paging_past_the_end_shows_the_last_page(varied_registry):
    result = catalogue_search(params={}, page_number=999)
    assert result.page.number == result.page.paginator.num_pages
    assert len(result.agreements) <= CATALOGUE_PAGE_SIZE


def test_in_production_a_change_is_built_in_the_background_and_a_draft_never_shows(
    client, settings
):
    """No reader waits for a rebuild: the request that notices a change answers from the
    index it has while a thread builds the new one; an agreement unpublished a moment ago is
    not shown from that index either."""
    url = reverse("agreements:catalogue")  # every version fits its first page
    created = AgreementFactory(title="Helt ny överenskommelse om blåbär")
    assert "Helt ny överenskommelse om blåbär" in client.get(url).content.decode()
    settings.CATALOGUE_REBUILD_IN_BACKGROUND = True
    previous = catalogue_index()
    assert created.pk in previous.ids

    created.publication = "draft"
    created.published_at = None
    created.save()
    response = client.get(url)
    with catalogue_index_module._lock:  # the rebuild's thread holds it until it is done
        rebuilt = catalogue_index_module._current

    assert response.status_code == 200
    assert "Helt ny överenskommelse" not in response.content.decode()
    assert rebuilt is not previous
    # The thread's own connection reads the registry as committed, not this test's writes.
    assert rebuilt.token != previous.token


def test_what_an_index_remembers_stays_within_its_size():
    remembered = catalogue_index_module.Remembered(limit=100)
    remembered.put("a", "first", 60)
    remembered.put("b", "second", 30)
    assert remembered.get("a") == "first"  # now the most recently used
    remembered.put("c", "third", 30)
    assert (remembered.get("a"), remembered.get("b"), remembered.get("c")) == (
        "first",
        None,
        "third",
    )
    remembered.put("d", "too big", 101)
    assert remembered.get("d") is None


@pytest.mark.parametrize("days", [-3650, -1, 1, 30, 3650])
def test_a_new_day_needs_no_rebuild_and_counts_as_a_rebuild_would(
    varied_registry, days, django_assert_num_queries, monkeypatch
):
    """The statuses of another day come from the dates the index holds: the first request of
    a new day reads only the token, and the index is the one a rebuild would give."""
    today = catalogue_index()
    day = TODAY + days * DAY
    monkeypatch.setattr("agreements.catalogue_index.timezone.localdate", lambda *args: day)
    with django_assert_num_queries(1):
        moved = catalogue_index()
    built = catalogue_index_module.catalogue_index_build(day=day)
    assert moved.day == day
    assert moved.codes["status"].tolist() != today.codes["status"].tolist()
    assert moved.codes["status"].tolist() == built.codes["status"].tolist()
    assert moved.is_latest.tolist() == built.is_latest.tolist()
    assert moved.ids.tolist() == built.ids.tolist()
    assert moved.remembered is not today.remembered


def _assert_same_index(index, built):
    """The same rows, orders and facet values per row (as values: an update keeps a year no
    version has any more among the year facet's values, where it counts nothing)."""

    def decoded(index, facet, codes):
        keys = index.values[facet].keys
        return [keys[code] if code >= 0 else None for code in codes.tolist()]

    assert index.ids.tolist() == built.ids.tolist()
    for name in ("is_latest", "is_good_example", "title_order", "newest_order", "published_order"):
        assert getattr(index, name).tolist() == getattr(built, name).tolist(), name
    title_keys = index.rows.per_row["title_keys"]
    assert title_keys.tolist() == built.rows.per_row["title_keys"].tolist()
    for facet, codes in built.codes.items():
        assert decoded(index, facet, index.codes[facet]) == decoded(built, facet, codes), facet
    for name, dates in built.dated.items():
        assert np.array_equal(index.dated[name], dates, equal_nan=True), name
    for facet, (rows, codes) in built.members.items():
        index_rows, index_codes = index.members[facet]
        pairs = sorted(zip(index_rows.tolist(), decoded(index, facet, index_codes), strict=True))
        assert pairs == sorted(zip(rows.tolist(), decoded(built, facet, codes), strict=True))
    assert {**index.values, "year": None} == {**built.values, "year": None}


def test_a_change_reads_only_its_agreements_and_gives_the_index_a_full_read_would(
    varied_registry, full_reads, client
):
    """After each kind of change the index is updated from the changed agreements alone, and
    is the index that reading every published version would give."""
    catalogue_index()
    full_reads.clear()
    sfi = Theme.objects.get(slug="sfi")
    changes = {
        "published": lambda: local_agreement(
            municipality_codes=["2081"],
            title="Ännu ett Dalaavtal",
            signed_on=datetime.date(2017, 5, 1),
        ),
        "revised with a new title": lambda: revision_create(
            agreement=varied_registry[2], title="Aaa, först i titelordning"
        ),
        "unpublished": None,
        "deleted": lambda: varied_registry[4].delete(),
        "a theme added": lambda: varied_registry[5].themes.add(sfi),
    }

    def unpublish():
        agreement = Agreement.objects.get(pk=varied_registry[3].pk)
        agreement.publication, agreement.published_at = "draft", None
        agreement.save()

    changes["unpublished"] = unpublish
    for change, make in changes.items():
        make()
        index = catalogue_index()
        assert full_reads == [], change
        _assert_same_index(index, catalogue_index_module.catalogue_index_build(day=TODAY))
        full_reads.clear()
    response = client.get(reverse("agreements:catalogue") + "?county=dalarnas-lan")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ännu ett Dalaavtal" in html and "Aaa, först i titelordning" in html
    assert "Dalaavtal 3 om" not in html and "Dalaavtal 4 om" not in html


def test_what_the_facets_do_not_know_yet_is_read_from_the_start(varied_registry, full_reads):
    """A year no version had, or a renamed organisation, changes a facet's values and labels:
    the index is read again from the start, and lists the new ones."""
    catalogue_index()
    full_reads.clear()
    local_agreement(
        municipality_codes=["2080"], title="Gammalt avtal", signed_on=datetime.date(1999, 1, 1)
    )
    assert "1999" in catalogue_index().values["year"].params
    assert len(full_reads) == 1
    agency = Organisation.objects.get(slug="arbetsformedlingen")
    agency.name = "Arbetsförmedlingen (ny)"
    agency.save()
    assert "Arbetsförmedlingen (ny)" in catalogue_index().values["organisation"].labels
    assert len(full_reads) == 2


def test_a_change_is_read_whatever_order_the_transactions_commit_in():
    """A change whose transaction was still open when the index was read is read by the next
    update, even if a later change's note was already seen."""
    from agreements.models import CatalogueChange

    note = CatalogueChange.objects.create(agreement_ids=[41, 42])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        (xid,) = cursor.fetchone()
    mark = catalogue_index()  # an index, for a mark of the right shape
    open_then = replace(
        mark.mark, last_change=note.pk, snapshot=f"{xid}:{int(xid) + 1}:{xid}", writer=None
    )
    committed_then = replace(open_then, snapshot=f"{int(xid) + 1}:{int(xid) + 1}:")
    assert catalogue_index_module._changed_versions(open_then) == {41, 42}
    assert catalogue_index_module._changed_versions(committed_then) == set()


def test_the_index_keeps_the_querysets_orders(varied_registry):
    """Newest first (the FilterSet's) and the most recently published first (the county
    pages'), NULLs and ties included, as PostgreSQL sorts them."""
    local_agreement(municipality_codes=["2080"], title="Utan datum", signed_on=None)
    index = catalogue_index()
    published = Agreement.objects.published()
    newest = sort_queryset(published, Sort.NEWEST).values_list("pk", flat=True)
    by_publication = published.order_by("-published_at", "-pk").values_list("pk", flat=True)
    assert index.ids[index.newest_order].tolist() == list(newest)
    assert index.ids[index.published_order].tolist() == list(by_publication)


def test_notes_are_kept_a_day_and_an_index_half_a_day_old_is_read_again(full_reads):
    from agreements.models import CatalogueChange

    stale = CatalogueChange.objects.create(agreement_ids=[1])
    CatalogueChange.objects.filter(pk=stale.pk).update(
        changed_at=timezone.now() - datetime.timedelta(days=2)
    )
    fresh = CatalogueChange.objects.create(agreement_ids=[2])
    index = catalogue_index_module.catalogue_index_update(None, day=TODAY)
    notes = CatalogueChange.objects.filter(pk__in=[stale.pk, fresh.pk])
    assert list(notes.values_list("pk", flat=True)) == [fresh.pk]

    aged = replace(index, mark=replace(index.mark, read_at=index.mark.read_at - 13 * 3600 * SECOND))
    full_reads.clear()
    catalogue_index_module.catalogue_index_update(aged, day=TODAY)
    assert len(full_reads) == 1
    catalogue_index_module.catalogue_index_update(index, day=TODAY)
    assert len(full_reads) == 1  # half a day younger: only the changes
