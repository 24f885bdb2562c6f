"""Reads for the public pages (and the API). Everything public goes through published()."""

import functools
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    Prefetch,
    Q,
)

from actors.models import ContactPerson, Municipality
from agreements import search
from agreements.catalogue_index import CatalogueIndex, Selection, by_relevance, catalogue_index
from agreements.filters import VERSIONS_ALL, AgreementFilterSet, Sort
from agreements.models import (
    AGREEMENT_LINKS,
    Agreement,
    AgreementSection,
    Attachment,
    Goal,
    Level,
    Party,
)
from commitments.models import Commitment
from commitments.selectors import themes_to_suggest
from followup.selectors import reception_for_agreement
from registry.documents import related_rows_from_json, with_related_rows
from registry.text import swedish_sort_key

CATALOGUE_PAGE_SIZE = 20


def agreement_cards(queryset, *, on=None):
    """What a list of agreements shows: county, municipalities, status (on the day `on`,
    today by default)."""
    return (
        queryset.with_status(on)
        .select_related("county", "lineage")
        .for_display()
        .prefetch_related(
            Prefetch(
                "municipalities",
                queryset=Municipality.objects.defer("geometry"),
                to_attr="municipality_list",
            )
        )
    )


def agreement_cards_in_order(ids: list[int], *, headline=None, on=None) -> list[Agreement]:
    """The cards of the versions the catalogue index chose, in its order: only those still
    published (an index being rebuilt may name one unpublished a moment ago), with the search
    words' snippet when `headline` (search.headline) is given."""
    cards = agreement_cards(Agreement.objects.published().filter(pk__in=ids), on=on)
    if headline is not None:
        cards = cards.annotate(headline=headline)
    by_id = {agreement.pk: agreement for agreement in cards}
    return [by_id[pk] for pk in ids if pk in by_id]


def home_overview() -> dict:
    current = Agreement.objects.latest_published()
    counts = current.aggregate(
        total=Count("pk"),
        central=Count("pk", filter=Q(level=Level.CENTRAL)),
        regional=Count("pk", filter=Q(level=Level.REGIONAL)),
        local=Count("pk", filter=Q(level=Level.LOCAL)),
    )
    latest = list(agreement_cards(current.order_by("-published_at", "-pk"))[:6])
    examples = list(
        agreement_cards(current.filter(is_good_example=True).order_by("-published_at", "-pk"))[:6]
    )
    return {
        "counts": counts,
        "latest": latest,
        "good_examples": examples,
        "example_themes": themes_to_suggest(limit=2),
    }


# -- the catalogue ---------------------------------------------------------------------------


@dataclass
class FacetCount:
    value: str
    label: str
    count: int


@dataclass
class CatalogueResult:
    filterset: AgreementFilterSet
    page: Page
    agreements: list[Agreement]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    # When the search words find nothing: themes, organisations and spellings that would.
    suggestions: search.Suggestions | None = None

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def full_text(self) -> bool:
        return self.filterset.full_text


def _search_hits(matches) -> tuple[np.ndarray, np.ndarray]:
    """The ids and ranks of (id, rank) rows, read as two binary strings of PostgreSQL's own
    representation: a search for a common word matches tens of thousands of versions, and
    reading them as rows took as long as ranking them."""
    try:
        sql, params = matches.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. ranking an empty selection
        sql, params = "SELECT 0::bigint, 0::real WHERE FALSE", ()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(int8send(id), ''), string_agg(float4send(rank::real), '') "
            f"FROM ({sql}) AS hits (id, rank)",
            params,
        )
        ids, ranks = cursor.fetchone()
    return (
        np.frombuffer(ids or b"", dtype=">i8").astype(np.int64),
        np.frombuffer(ranks or b"", dtype=">f4").astype(np.float32),
    )


def _catalogue_selection(filterset: AgreementFilterSet, index: CatalogueIndex) -> Selection:
    """The versions to list, in order, and the facet counts. The index filters, counts and
    sorts; the database finds the search words' matches and ranks them in the same pass
    (ranking only those the filters keep would read the documents twice). Both are the same
    for every request with the same words and filters while the registry stays as it is, and
    the index remembers them (CatalogueIndex.remembered)."""
    sort = filterset.sort_value
    relevance = bool(filterset.query) and sort == Sort.RELEVANCE
    matches = None
    if filterset.query:

        def read(ranked: bool) -> tuple[bool, np.ndarray, np.ndarray]:
            full_text = filterset.full_text
            hits = search.match_ranks(filterset.query, full_text=full_text, ranked=ranked)
            return (full_text, *_search_hits(hits))

        matches = index.search_matches(filterset.query, ranked=relevance, read=read)
        filterset.full_text = matches.full_text
    chosen = filterset.chosen_values()
    key = ("selection", filterset.query, sort, *((f, *values) for f, values in chosen.items()))
    selection = index.remembered.get(key)
    if selection is None:
        selection = index.select(
            chosen=chosen,
            matches=None if matches is None else matches.rows,
            order="newest" if sort == Sort.NEWEST else "title",
        )
        if relevance:
            rank_of_row = np.zeros(len(index.ids), dtype=np.float32)
            rank_of_row[matches.rows] = matches.ranks
            rows = by_relevance(selection.rows, rank_of_row[selection.rows])
            selection = Selection(rows=rows, facets=selection.facets)
        counts = sum(len(counted) for counted in selection.facets.values())
        index.remembered.put(key, selection, selection.rows.nbytes + 100 * counts)
    return selection


def _cards_with_snippets(
    index: CatalogueIndex, ids: list[int], filterset: AgreementFilterSet
) -> list[Agreement]:
    """The page's cards, each with the snippet of the search words (`snippet`, empty without
    a full-text search). ts_headline reads its text through the dictionary (about a
    millisecond a card), so each agreement's snippet for a search is cut once per index."""
    query = filterset.query if filterset.query and filterset.full_text else ""
    remembered = {pk: index.remembered.get(("snippet", query, pk)) for pk in ids} if query else {}
    missing = query and None in remembered.values()
    agreements = agreement_cards_in_order(ids, headline=search.headline(query) if missing else None)
    for agreement in agreements:
        if missing:
            agreement.snippet = search.snippet_html(agreement.headline)
            index.remembered.put(
                ("snippet", query, agreement.pk), agreement.snippet, 100 + len(agreement.snippet)
            )
        else:
            agreement.snippet = remembered.get(agreement.pk) or search.snippet_html(None)
    return agreements


def _search_suggestions(index: CatalogueIndex, query: str) -> search.Suggestions:
    """What a search that found nothing suggests, remembered with the index, as are the
    themes, organisations and words of every published agreement it is chosen among (reading
    those and building the vocabulary took half a second at 20,000 agreements)."""

    def sources() -> search.SuggestionSources:
        found = index.remembered.get(("suggestion sources",))
        if found is None:
            found = search.suggestion_sources(Agreement.objects.latest_published())
            index.remembered.put(("suggestion sources",), found, found.size)
        return found

    suggestions = index.remembered.get(("suggestions", query))
    if suggestions is None:
        suggestions = search.search_suggestions(query, sources)
        index.remembered.put(("suggestions", query), suggestions, 1000)
    return suggestions


def catalogue_search(
    *, params, page_number=1, index: CatalogueIndex | None = None
) -> CatalogueResult:
    """One page of the catalogue with its facet counts: the FilterSet reads the parameters,
    the in-memory index (`index`, by default the registry's as it is now) filters, counts and
    sorts (agreements/catalogue_index.py), and the database answers only the search words and
    the page's own rows. A fixed number of queries whatever the size of the registry."""
    filterset = AgreementFilterSet(params)
    filterset.is_valid()
    index = index or catalogue_index()
    selection = _catalogue_selection(filterset, index)
    page = Paginator(index.ids[selection.rows], CATALOGUE_PAGE_SIZE).get_page(page_number)
    page_ids = [int(pk) for pk in page.object_list]
    agreements = _cards_with_snippets(index, page_ids, filterset)
    facets = {
        facet: [FacetCount(value, label, count) for value, label, count in counted]
        for facet, counted in selection.facets.items()
    }
    # The most frequent organisations first: there can be hundreds.
    facets["organisation"].sort(key=lambda item: -item.count)
    suggestions = None
    # Under filters the page offers the search without them instead (catalogue.html).
    if filterset.query and not agreements and not filterset.active_filters():
        suggestions = _search_suggestions(index, filterset.query)
    return CatalogueResult(
        filterset=filterset,
        page=page,
        agreements=agreements,
        facets=facets,
        suggestions=suggestions,
    )


def agreement_api_list_index(*, user, params) -> CatalogueIndex | None:
    """The catalogue's index when it can answer the API's list of agreements for this reader
    and these parameters (`CatalogueIndex.listed_ids`: the newest published version of each
    agreement, the status chosen among them, counted and paged without reading the table);
    None when the database answers: search words, every version (`versions=all`), or a
    signed-in reader, who may see drafts. Like the catalogue, a list may be a moment behind a
    publication while the index is rebuilt (agreements/catalogue_index.py)."""
    if user.is_authenticated or params.get("q", "").strip():
        return None
    if params.get("versions") == VERSIONS_ALL:
        return None
    return catalogue_index()


# -- one agreement ---------------------------------------------------------------------------


# What the page shows of each tag: these fields, read with the version (its commitments'
# themes with the commitments) rather than by a query per relation.
_VOCABULARY_FIELDS = ("id", "slug", "name", "order")
_AGREEMENT_TAGS = {
    "municipalities": ("id", "code", "name", "slug", "county_id"),
    "themes": _VOCABULARY_FIELDS,
    "target_groups": _VOCABULARY_FIELDS,
    "perspectives": _VOCABULARY_FIELDS,
    "legal_references": ("id", "sfs", "slug", "title"),
}
_COMMITMENT_TAGS = {"themes": _VOCABULARY_FIELDS}


@functools.cache
def _detail_queries() -> tuple:
    """The version's and its commitments' queries with their tags, built once (each use takes
    a copy): resolving the tag subqueries costs more than running them. Not the linked
    agreements (parent, annex_to, based_on): each self-join made the planner weigh more join
    orders (13 ms of planning at 20,000 agreements), and what the page shows of them is read
    by agreement_related."""
    agreements = with_related_rows(
        Agreement.objects.published()
        .select_related("county", "lineage", "followup_responsible")
        .for_display(),
        _AGREEMENT_TAGS,
    )
    # Orders within one agreement: the models' default orders start with the agreement,
    # which joins the agreements table into every prefetch.
    commitments = with_related_rows(
        Commitment.objects.order_by("order", "id").select_related(
            "responsible_contact__organisation"
        ),
        _COMMITMENT_TAGS,
    )
    return agreements, commitments


def _agreement_detail_queryset():
    agreements, commitments = _detail_queries()
    return agreements.prefetch_related(
        Prefetch(
            "parties",
            queryset=Party.objects.order_by("order", "id")
            .select_related("organisation")
            .prefetch_related(Prefetch("commitments", queryset=commitments.all())),
        ),
        Prefetch(
            "goals",
            queryset=Goal.objects.order_by("order", "id").select_related("party__organisation"),
        ),
        Prefetch("sections", queryset=AgreementSection.objects.order_by("order", "id")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("kind", "title")),
        Prefetch(
            "contacts",
            queryset=ContactPerson.objects.filter(is_public=True).select_related("organisation"),
            to_attr="public_contacts",
        ),
    )


def _agreement_details(queryset) -> list[Agreement]:
    """The versions of _agreement_detail_queryset() `queryset` with their tags."""
    agreements = list(queryset)
    for agreement in agreements:
        related_rows_from_json(agreement, _AGREEMENT_TAGS)
        for party in agreement.parties.all():
            for commitment in party.commitments.all():
                related_rows_from_json(commitment, _COMMITMENT_TAGS)
    return agreements


@dataclass
class AgreementPage:
    """What an agreement page's address names, read in one query: the published version
    (title, dates, legal status today), the published versions of its agreement, oldest
    first, and the ids of all its versions (what related agreements are linked to)."""

    agreement: Agreement
    versions: list[Agreement]
    version_ids: list[int]

    @property
    def latest(self) -> Agreement:
        return self.versions[-1]

    @property
    def is_latest(self) -> bool:
        return self.agreement.version_number == self.latest.version_number


def agreement_page(*, slug: str, number: int | None = None) -> AgreementPage | None:
    """The newest published version of the agreement, or the published version `number`;
    None for an unknown slug, a draft or a version that is not there."""
    lineage = list(
        Agreement.objects.filter(lineage__slug=slug)
        .with_status()
        .select_related("lineage")
        .only(
            "pk",
            "lineage__slug",
            "version_number",
            "version_label",
            "title",
            "publication",
            "lock_version",
            "signed_on",
            "valid_from",
            "published_at",
        )
        .order_by("version_number")
    )
    versions = [version for version in lineage if version.is_published]
    chosen = [v for v in versions if number is None or v.version_number == number]
    if not chosen:
        return None
    return AgreementPage(chosen[-1], versions, [version.pk for version in lineage])


def agreement_article_context(page: AgreementPage) -> dict:
    """Everything the page's article shows (agreements/detail_article.html). Raises
    DoesNotExist when the version is no longer published."""
    found = _agreement_details(_agreement_detail_queryset().filter(pk=page.agreement.pk))
    if not found:
        raise Agreement.DoesNotExist(page.agreement.pk)
    agreement = found[0]
    agreement.legal_status = page.agreement.legal_status
    versions = page.versions
    previous = [v for v in versions if v.version_number < agreement.version_number]
    parties = list(agreement.parties.all())
    return {
        "agreement": agreement,
        "versions": versions,
        "latest": page.latest,
        "is_latest": page.is_latest,
        "compare_from": previous[-1].version_number if previous else versions[0].version_number,
        "compare_to": agreement.version_number if previous else page.latest.version_number,
        "related": agreement_related(agreement=agreement, version_ids=page.version_ids),
        "parties": parties,
        "has_commitments": any(party.commitments.all() for party in parties),
        "goals": list(agreement.goals.all()),
        "reception": reception_for_agreement(agreement=agreement),
    }


def agreement_versions(*, agreement: Agreement) -> list[Agreement]:
    """The published versions of the agreement's lineage, oldest first."""
    return list(
        Agreement.objects.published()
        .filter(lineage_id=agreement.lineage_id)
        .only("pk", "version_number", "version_label", "signed_on", "valid_from", "published_at")
        .order_by("version_number")
    )


@dataclass
class RelatedAgreements:
    umbrella: Agreement | None
    local_under: list[Agreement]
    annexes: list[Agreement]
    annex_to: Agreement | None
    based_on: Agreement | None
    derived: list[Agreement]

    @property
    def any(self) -> bool:
        return bool(
            self.umbrella
            or self.local_under
            or self.annexes
            or self.annex_to
            or self.based_on
            or self.derived
        )


def agreement_related(*, agreement: Agreement, version_ids: list[int]) -> RelatedAgreements:
    """Links are kept to the version that was current when they were made; show the
    newest published version of each related agreement, and only published ones.
    `version_ids`: every version of the agreement (AgreementPage.version_ids), given as a
    list so that the planner uses the foreign keys' indexes instead of scanning the table."""
    links = {
        name: getattr(agreement, f"{name}_id")
        for name in AGREEMENT_LINKS
        if getattr(agreement, f"{name}_id") is not None
    }
    # The agreements this version links to, by their lineage (a query only when it links).
    lineage_of = (
        dict(Agreement.objects.filter(pk__in=links.values()).values_list("pk", "lineage_id"))
        if links
        else {}
    )
    versions = set(version_ids)
    rows = list(
        Agreement.objects.latest_published()
        .filter(
            Q(parent_id__in=version_ids)
            | Q(annex_to_id__in=version_ids)
            | Q(based_on_id__in=version_ids)
            | Q(lineage_id__in=list(lineage_of.values()))
        )
        .select_related("lineage")
        .only("pk", "title", "lineage__slug", "parent", "annex_to", "based_on")
        .order_by()
    )

    def pick(name):
        lineage = lineage_of.get(links.get(name))
        return next((row for row in rows if row.lineage_id == lineage), None) if lineage else None

    def under(attribute):
        return sorted(
            (row for row in rows if getattr(row, attribute) in versions),
            key=lambda row: swedish_sort_key(row.title),
        )

    return RelatedAgreements(
        umbrella=pick("parent"),
        local_under=under("parent_id"),
        annexes=under("annex_to_id"),
        annex_to=pick("annex_to"),
        based_on=pick("based_on"),
        derived=under("based_on_id"),
    )


def agreement_version_numbers(*, slug: str) -> list[int]:
    """The numbers of the lineage's published versions, oldest first (none for an unknown
    slug)."""
    return list(
        Agreement.objects.published()
        .filter(lineage__slug=slug)
        .order_by("version_number")
        .values_list("version_number", flat=True)
    )


def agreement_pair_for_diff(*, slug: str, old: int, new: int) -> tuple[Agreement, Agreement]:
    versions = {
        agreement.version_number: agreement
        for agreement in _agreement_details(
            _agreement_detail_queryset().filter(lineage__slug=slug, version_number__in=[old, new])
        )
    }
    if old not in versions or new not in versions:
        raise Agreement.DoesNotExist(slug)
    return versions[old], versions[new]


def agreement_feed_items(*, params, limit: int = 50) -> tuple[AgreementFilterSet, list[Agreement]]:
    """Newly published agreements (and new versions), newest first, filtered like the
    catalogue."""
    filterset = AgreementFilterSet(params)
    filterset.is_valid()
    # Every published version is news, unless a status is asked for.
    without = None if filterset.selected("status") else "status"
    queryset = filterset.filter_queryset(filterset.queryset.all(), without=without, ordered=False)
    items = list(
        queryset.select_related("county", "lineage")
        .for_display()
        .order_by("-published_at", "-pk")[:limit]
    )
    return filterset, items
