"""The catalogue's facet index: what the catalogue filters, counts and sorts on, for every
published agreement version, held in memory as numpy arrays.

Counting ten facets with every other filter applied is ten GROUP BYs over every matching
version; in PostgreSQL that is hundreds of milliseconds at 20,000 agreements, in numpy a few.
The catalogue applies the FilterSet's cleaned values to the index (`CatalogueIndex.select`).
The rules it shares with the QuerySets are computed over arrays here (the legal status of
`with_status()`, the newest version of `latest_published()`, the title order of
`swedish_title_key()`), the newest-first order is the FilterSet's own query, and
tests/public/test_catalogue_index.py compares every answer with the FilterSet's QuerySet.

It follows the registry's changes: every change to what the catalogue shows goes through
`agreement_search_refresh` (once per write, agreements/signals.py), which notes the changed
versions in a CatalogueChange row of the write's own transaction and gives `CatalogueState` a
new random token (`catalogue_changed`: after the commit, never holding the row's lock for the
length of a staff write). A request reads the token (one small query); if it differs from the
index's, the index is updated (`catalogue_index_update`): the notes committed after the index
was read (by its snapshot, whatever order transactions commit in) name the agreements to read
again, and every published version of theirs replaces what the index held of them — some 0.1 s
at 200,000 agreements, where reading everything takes 4 s. Everything is read from the start
when a note says so (a facet's names changed), when a version holds a value the facets do not
know yet, or when the index is half a day old (notes are kept a day). In production the update
runs in a thread while the previous index keeps answering (`catalogue_index`), so a reader may
see the registry as it was a fraction of a second earlier, never a draft (the cards are read
from the published rows). The token is random, so a rolled-back change never leaves a stale
index that matches. A new day changes the legal statuses only; they are computed again from
the dates the index holds (`CatalogueIndex.on_day`), without the database.

An index also keeps what requests ask again and again while it answers (`Remembered`): a
search's matches and ranks, the selection and counts per words and filters, snippets and
suggestions (agreements/selectors.py). They go with the index, so a change of the registry
or the day drops them all.
"""

import bisect
import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

import numpy as np
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import BigIntegerField, F, Func, IntegerField, OrderBy, TextField, Value
from django.utils import timezone

from actors.boundaries import todays_county_ids
from actors.models import County, Municipality, Organisation, OrganisationKind
from agreements.filters import (
    UNKNOWN_YEAR,
    AgreementFilterSet,
    Sort,
    sort_queryset,
    year_label,
    year_param,
)
from agreements.models import (
    Agreement,
    CatalogueChange,
    CatalogueState,
    LegalStatus,
    Level,
    signing_year,
)
from commitments.models import TargetGroup, Theme
from registry.text import swedish_sort_key

# Facets over a list of ids per version (the facet arrays of its CatalogueEntry).
MULTIPLE = {
    "municipality": "catalogue_entry__facet_municipalities",
    "organisation": "catalogue_entry__facet_organisations",
    "organisation_kind": "catalogue_entry__facet_organisation_kinds",
    "theme": "catalogue_entry__facet_themes",
    "target_group": "catalogue_entry__facet_target_groups",
}


@dataclass(frozen=True)
class FacetValues:
    """The values a facet can take: codes 0…n-1 in the arrays, with the URL value and label
    of each, in the order the catalogue shows them."""

    keys: list  # the value in the database (id, choice value or year)
    params: list[str]  # the value in the URL (slug, choice value, year)
    labels: list[str]

    @cached_property
    def code_of(self) -> dict:
        return {key: code for code, key in enumerate(self.keys)}


@dataclass(frozen=True)
class Selection:
    """The versions the catalogue lists for one set of filters, and its facet counts."""

    rows: np.ndarray  # positions in the index, in the chosen order
    facets: dict[str, list[tuple[str, str, int]]]


# What one process keeps of the searches asked between two changes (Remembered): a search's
# matches take 8 bytes a version (170 kB for a common word at 20,000 agreements).
REMEMBERED_BYTES = 24 * 1024 * 1024


class Remembered:
    """Answers that stay the same for every request until the registry changes, kept for the
    life of one index (a new index starts empty): a search's matches and ranks, the snippets
    of the agreements shown for it. The least recently used go first, beyond `limit` bytes."""

    def __init__(self, limit: int = REMEMBERED_BYTES):
        self._limit = limit
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # a development server answers in threads

    def get(self, key: Hashable):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value, size: int) -> None:
        with self._lock:
            if key in self._items:
                self._size -= self._items.pop(key)[1]
            if size > self._limit:
                return
            self._items[key] = (value, size)
            self._size += size
            while self._size > self._limit:
                self._size -= self._items.popitem(last=False)[1][1]


@dataclass(frozen=True)
class SearchMatches:
    """A search's matches as rows of the index with their ranks (PostgreSQL's real, so
    float32 holds them exactly; None when the search was not ranked), and whether they were
    found by full-text search or by the spelling fallback."""

    full_text: bool
    rows: np.ndarray
    ranks: np.ndarray | None


@dataclass(frozen=True)
class Members:
    """Versions paired with the values of a multi-valued facet (CatalogueIndex.members_of):
    one entry per version and value."""

    keys: np.ndarray  # the value in the database (a municipality's id …)
    ids: np.ndarray  # the version's id
    statuses: np.ndarray  # its legal status on the index's day (LegalStatus values)
    starts: np.ndarray  # its effective_start() in days since 1970, NaN when unknown


@dataclass(frozen=True)
class _Mark:
    """Where in the registry's history an index was read: what a later reading of the changes
    starts from (catalogue_index_update)."""

    token: str
    snapshot: str  # pg_current_snapshot() before anything was read
    last_change: int  # the newest CatalogueChange seen then
    read_at: datetime.datetime
    # The reading transaction's id when it had written (a test's): if it is rolled back, the
    # index holds rows that never were, and the next one is read from the start.
    writer: str | None
    oldest_change: datetime.datetime | None  # the oldest CatalogueChange's changed_at


@dataclass(frozen=True)
class CatalogueIndex:
    token: str
    day: datetime.date
    ids: np.ndarray  # agreement ids, ascending: row i is version ids[i]
    is_latest: np.ndarray  # the newest published version of its agreement
    is_good_example: np.ndarray
    codes: dict[str, np.ndarray]  # single-valued facets: one code per row
    members: dict[str, tuple[np.ndarray, np.ndarray]]  # multi-valued: (rows, codes) pairs
    values: dict[str, FacetValues]
    title_order: np.ndarray  # rows in the FilterSet's title order
    newest_order: np.ndarray  # rows in the FilterSet's newest-first order
    published_order: np.ndarray  # rows by publication, the most recently published first
    # Every array per version the index was made of (the same arrays as above): what an
    # update keeps of the versions that did not change (_merged).
    rows: "_Rows" = field(compare=False, repr=False)
    mark: _Mark = field(compare=False, repr=False)
    remembered: Remembered = field(default_factory=Remembered, compare=False, repr=False)

    @property
    def dated(self) -> dict[str, np.ndarray]:
        """What the legal status is computed from (_legal_statuses), kept for another day."""
        return _dated(self.rows.per_row)

    def on_day(self, day: datetime.date) -> "CatalogueIndex":
        """This index for another day: of what it holds, only the legal statuses depend on
        the date, so a new day needs no reading of the database. Nothing remembered is
        carried over (the counts by status change)."""
        status, _is_latest = _legal_statuses(**self.dated, day=day)
        return replace(
            self, day=day, codes={**self.codes, "status": status}, remembered=Remembered()
        )

    # -- reading the filters -----------------------------------------------------------------

    def search_matches(
        self,
        query: str,
        *,
        ranked: bool,
        read: Callable[[bool], tuple[bool, np.ndarray, np.ndarray]],
    ) -> SearchMatches:
        """The versions a search matches, and their ranks when `ranked`: read once per index
        (`read(ranked)` gives whether full-text search found them, and the ids and ranks of
        every match, drafts included), since what a search finds among the published
        versions changes only with the registry, and every such change makes a new index.
        Ids not in the index (published after it was read) are left out."""
        key = ("search", query)
        matches = self.remembered.get(key)
        if matches is None or (ranked and matches.ranks is None):
            full_text, ids, ranks = read(ranked)
            if not len(self.ids):
                ids = ranks = ids[:0]
            rows = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
            known = self.ids[rows] == ids
            matches = SearchMatches(
                full_text=full_text,
                rows=rows[known].astype(np.int32),
                ranks=ranks[known] if ranked else None,
            )
            size = matches.rows.nbytes + (matches.ranks.nbytes if ranked else 0)
            self.remembered.put(key, matches, size)
        return matches

    def _mask(self, facet: str, chosen: list) -> np.ndarray:
        if facet == "good_example":
            return self.is_good_example == bool(chosen[0])
        code_of = self.values[facet].code_of
        codes = [code_of[key] for key in chosen if key in code_of]
        if facet in MULTIPLE:
            rows, row_codes = self.members[facet]
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[rows[np.isin(row_codes, codes)]] = True
            return mask
        return np.isin(self.codes[facet], codes)

    def _count(self, facet: str, mask: np.ndarray) -> list[tuple[str, str, int]]:
        if facet == "good_example":
            found = int(np.count_nonzero(mask & self.is_good_example))
            return [("true", "Gott exempel", found)] if found else []
        values = self.values[facet]
        if facet in MULTIPLE:
            rows, row_codes = self.members[facet]
            counted = row_codes[mask[rows]]
        else:
            counted = self.codes[facet][mask]
            counted = counted[counted >= 0]
        counts = np.bincount(counted, minlength=len(values.keys))
        return [
            (values.params[code], values.labels[code], int(counts[code]))
            for code in range(len(values.keys))
            if counts[code]
        ]

    # -- one page of the catalogue -----------------------------------------------------------

    def newest_versions(self, *, county_id: int, level: str, order: str) -> list[int]:
        """Ids of the newest published version of each agreement of the county at the level,
        by title ("title") or the most recently published first ("published")."""
        county = self.values["county"].code_of.get(county_id, -2)
        level_code = self.values["level"].code_of[level]
        mask = (
            self.is_latest & (self.codes["county"] == county) & (self.codes["level"] == level_code)
        )
        ordered = self.title_order if order == "title" else self.published_order
        return self.ids[ordered[mask[ordered]]].tolist()

    def members_of(self, facet: str, *, keys: list, chosen: dict[str, list]) -> "Members":
        """Each of `keys` (values of the multi-valued `facet`: municipality ids …) paired with
        every version that has it and passes every filter in `chosen` on a single-valued
        facet, a status chosen among all published versions (as in `select`)."""
        rows, codes = self.members[facet]
        code_of = self.values[facet].code_of
        among = np.isin(codes, [code_of[key] for key in keys if key in code_of])
        rows, codes = rows[among], codes[among]
        passing = np.ones(len(rows), dtype=bool) if "status" in chosen else self.is_latest[rows]
        for name, values in chosen.items():
            known = self.values[name].code_of
            passing &= np.isin(self.codes[name][rows], [known[v] for v in values if v in known])
        rows, codes = rows[passing], codes[passing]
        per_row = self.rows.per_row
        return Members(
            keys=np.asarray(self.values[facet].keys)[codes],
            ids=self.ids[rows],
            statuses=np.asarray(self.values["status"].keys)[self.codes["status"][rows]],
            starts=_effective_start(
                signed_on=per_row["signed_on"][rows], valid_from=per_row["valid_from"][rows]
            ),
        )

    def listed_ids(self, *, chosen: dict[str, list]) -> np.ndarray:
        """Ids, ascending, of the newest published version of each agreement that passes
        every filter in `chosen`, a status chosen among those versions: the API's list for
        the public (AgreementApiFilterSet), without facet counts."""
        mask = self.is_latest
        for facet, values in chosen.items():
            mask = mask & self._mask(facet, values)
        return self.ids[mask]

    def select(
        self, *, chosen: dict[str, list], matches: np.ndarray | None = None, order: str
    ) -> Selection:
        """The versions that pass every filter in `chosen` (facet → database values, as the
        FilterSet cleaned them) and, with a search, are among `matches` (rows), in `order`
        ("newest" or by title); and every facet's counts with all the other filters
        applied. Without a status filter only the newest published version of each
        agreement counts, as in the FilterSet."""
        everything = np.ones(len(self.ids), dtype=bool)
        found = everything
        if matches is not None:
            found = np.zeros(len(self.ids), dtype=bool)
            found[matches] = True
        masks = {facet: self._mask(facet, values) for facet, values in chosen.items()}
        versions = masks.get("status", self.is_latest)

        def all_but(facet: str) -> np.ndarray:
            mask = found & (everything if facet == "status" else versions)
            for other, other_mask in masks.items():
                if other not in (facet, "status"):
                    mask = mask & other_mask
            return mask

        facets = {facet: self._count(facet, all_but(facet)) for facet in AgreementFilterSet.FACETS}
        selected = all_but("status") & versions
        ordered = self.newest_order if order == "newest" else self.title_order
        return Selection(rows=ordered[selected[ordered]], facets=facets)


def by_relevance(rows: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Rows (in title order) by rank, highest first; equal ranks stay in title order."""
    return rows[np.argsort(-ranks, kind="stable")]


# -- building ----------------------------------------------------------------------------------


def _choices(pairs) -> FacetValues:
    return FacetValues(
        keys=[value for value, _label in pairs],
        params=[str(value) for value, _label in pairs],
        labels=[str(label) for _value, label in pairs],
    )


def _named(queryset, *, swedish_order: bool = False) -> FacetValues:
    rows = list(queryset.values_list("pk", "slug", "name"))
    if swedish_order:
        rows.sort(key=lambda row: swedish_sort_key(row[2]))
    return FacetValues(
        keys=[pk for pk, _slug, _name in rows],
        params=[slug for _pk, slug, _name in rows],
        labels=[name for _pk, _slug, name in rows],
    )


STATUS_ORDER = [
    LegalStatus.IN_FORCE,
    LegalStatus.EXPIRED,
    LegalStatus.SUPERSEDED,
    LegalStatus.UPCOMING,
    LegalStatus.UNKNOWN,
]


def _effective_start(*, signed_on: np.ndarray, valid_from: np.ndarray) -> np.ndarray:
    """models.effective_start() over arrays: valid from, else signed on (NaN: neither)."""
    return np.where(np.isnan(valid_from), signed_on, valid_from)


def _dated(per_row: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the legal status is computed from (_legal_statuses)."""
    return {name: per_row[name] for name in _DATED}


def _legal_statuses(lineage, version, signed_on, valid_from, valid_until, *, day) -> tuple:
    """AgreementQuerySet.with_status(on=day) and latest_published() over arrays of every
    published version: the same rule, without a lookup per row (half a second at 20,000
    agreements). tests/public/test_catalogue_index.py compares them for every status."""
    on = (day - EPOCH).days
    start = _effective_start(signed_on=signed_on, valid_from=valid_from)
    no_start = np.isnan(start)
    started = no_start | (start <= on)
    newest = np.full(lineage.max() + 1 if len(lineage) else 0, -1)
    np.maximum.at(newest, lineage, version)
    newest_started = np.full(len(newest), -1)
    np.maximum.at(newest_started, lineage[started], version[started])
    status = np.select(
        [
            version < newest_started[lineage],
            valid_until < on,
            start > on,
            no_start,
        ],
        [
            STATUS_ORDER.index(LegalStatus.SUPERSEDED),
            STATUS_ORDER.index(LegalStatus.EXPIRED),
            STATUS_ORDER.index(LegalStatus.UPCOMING),
            STATUS_ORDER.index(LegalStatus.UNKNOWN),
        ],
        default=STATUS_ORDER.index(LegalStatus.IN_FORCE),
    )
    return status.astype(np.int32), version == newest[lineage]


def _codes(keys: list | np.ndarray, code_of: dict) -> np.ndarray:
    """The codes of database values, -1 for a value the facet does not know."""
    if code_of and all(isinstance(key, int) for key in code_of):
        # Ids: one lookup table instead of a dictionary lookup per value.
        table = np.full(max(code_of) + 2, -1, dtype=np.int32)
        table[list(code_of)] = list(code_of.values())
        if isinstance(keys, np.ndarray):
            found = keys.astype(np.int64)
        else:
            found = np.array([-1 if key is None else key for key in keys], dtype=np.int64)
        found[(found < 0) | (found >= len(table))] = len(table) - 1
        return table[found]
    return np.fromiter((code_of.get(key, -1) for key in keys), dtype=np.int32, count=len(keys))


EPOCH = datetime.date(1970, 1, 1)


class _Joined(Func):
    """An array as one text of its elements joined by commas ('' for none): psycopg parses
    texts several times faster than arrays (0.4 s of 1.5 s at 20,000 agreements)."""

    function = "array_to_string"
    output_field = TextField()

    def __init__(self, array):
        super().__init__(F(array), Value(","), Value(""))


def _members(joined: tuple, code_of: dict, *, numbers: bool) -> tuple:
    """(row, code) pairs of a facet over a list per version, from the lists as joined text,
    and whether the facet knew every value."""
    lengths = np.fromiter(
        (text.count(",") + 1 if text else 0 for text in joined), dtype=np.int64, count=len(joined)
    )
    values = ",".join(text for text in joined if text).split(",") if lengths.any() else []
    keys = np.array(values, dtype=np.int64) if numbers else values
    entry_rows = np.repeat(np.arange(len(joined)), lengths)
    entry_codes = _codes(keys, code_of)
    known = entry_codes >= 0
    return entry_rows[known], entry_codes[known].astype(np.int64), bool(known.all())


class _Microseconds(Func):
    """A date or time as microseconds since 1970 (a date at midnight UTC, as PostgreSQL
    compares a date with a time in the connection's UTC), exact in 64 bits."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


@cache
def _orders() -> dict[str, list[OrderBy]]:
    """The orders the index keeps, as the QuerySets define them: the FilterSet's newest first,
    and the most recently published first (the county pages)."""
    published = Agreement.objects.published()
    orders = {
        "newest": sort_queryset(published, Sort.NEWEST),
        "published": published.order_by("-published_at", "-pk"),
    }
    return {
        name: [
            term
            if isinstance(term, OrderBy)
            else OrderBy(F(term.lstrip("-")), descending=term.startswith("-"))
            for term in queryset.query.order_by
        ]
        for name, queryset in orders.items()
    }


@cache
def _order_columns() -> dict[str, Func | F]:
    """Each term of _orders() as a number per version, to be read with the rows."""
    columns = {}
    for name, terms in _orders().items():
        for number, term in enumerate(terms):
            expression = term.expression
            resolved = expression.resolve_expression(Agreement.objects.all().query)
            if isinstance(resolved.output_field, models.DateField):
                expression = _Microseconds(expression)
            columns[f"{name}_order_{number}"] = expression
    return columns


def _sorted_rows(per_row: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Rows in the order `name` of _orders(), from its terms read per row: NULLs where
    PostgreSQL puts them (last ascending, first descending, unless the term says)."""
    keys = []
    for number, term in enumerate(_orders()[name]):
        values = per_row[f"{name}_order_{number}"]
        nulls_last = term.nulls_last or not (term.nulls_first or term.descending)
        null = np.isnan(values)
        keys.append(null if nulls_last else ~null)
        keys.append(np.where(null, 0, -values if term.descending else values))
    return np.lexsort(keys[::-1])


class _EpochDay(Func):
    """A date as days since 1970-01-01, null as null: numbers load far faster than dates."""

    template = "(%(expressions)s - DATE '1970-01-01')"
    output_field = IntegerField()


def _floats(values: tuple) -> np.ndarray:
    """Numbers read from the database (days since 1970, microseconds, ids) as floats, NaN for
    NULL (comparisons with NaN are false, as with NULL in SQL); exact up to 2**53."""
    return np.array([np.nan if value is None else value for value in values], dtype=np.float64)


_COLUMNS = (
    "pk",
    "lineage_id",
    "version_number",
    "level",
    "county_id",
    "signed_day",
    "valid_from_day",
    "valid_until_day",
    "signed_year",
    "is_good_example",
    "title",
    *(f"{facet}_joined" for facet in MULTIPLE),
)


def _read_columns(published) -> dict[str, tuple]:
    """Each of _COLUMNS and _order_columns() of these published versions, by id, as a tuple
    per column."""
    order_columns = _order_columns()
    names = (*_COLUMNS, *order_columns)
    query = (
        published.annotate(
            signed_day=_EpochDay("signed_on"),
            valid_from_day=_EpochDay("valid_from"),
            valid_until_day=_EpochDay("valid_until"),
            signed_year=signing_year(),
            **{f"{facet}_joined": _Joined(array) for facet, array in MULTIPLE.items()},
            **order_columns,
        )
        .order_by("pk")
        .values_list(*names)
    )
    # Read past Django's per-value converters: plain numbers, text and arrays need none.
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return {name: () for name in names}
    return dict(zip(names, zip(*rows, strict=True), strict=True))


def _facet_values(column: dict[str, tuple]) -> dict[str, FacetValues]:
    years = sorted({year for year in column["signed_year"] if year}, reverse=True)
    if None in column["signed_year"]:
        years.append(UNKNOWN_YEAR)
    return {
        "level": _choices(Level.choices),
        "county": _named(County.objects.order_by("code")),
        "municipality": _named(Municipality.objects.all(), swedish_order=True),
        "organisation_kind": _choices(OrganisationKind.choices),
        "organisation": _named(Organisation.objects.all(), swedish_order=True),
        "theme": _named(Theme.objects.all()),
        "target_group": _named(TargetGroup.objects.all()),
        "status": _choices([(status, status.label) for status in STATUS_ORDER]),
        "year": FacetValues(
            keys=years,
            params=[year_param(year) for year in years],
            labels=[year_label(year) for year in years],
        ),
    }


@dataclass(frozen=True)
class _Rows:
    """What the index holds per version, for versions read together (_read_columns)."""

    per_row: dict[str, np.ndarray]  # ids, the dated columns, codes, title keys: one per row
    members: dict[str, tuple[np.ndarray, np.ndarray]]
    complete: bool  # every value is one the facets know


_DATED = ("lineage", "version", "signed_on", "valid_from", "valid_until")
_SINGLE = ("level", "county", "year")


def _rows(column: dict[str, tuple], values: dict[str, FacetValues]) -> _Rows:
    """The index's arrays for the versions of `column`, coded by the facets' `values`."""
    from agreements.search import swedish_title_sort_key

    todays = todays_county_ids()
    county_ids = [todays.get(county_id, county_id) for county_id in column["county_id"]]
    years = [UNKNOWN_YEAR if year is None else year for year in column["signed_year"]]
    codes = {
        "level": _codes(column["level"], values["level"].code_of),
        # a former county's agreements under today's county
        "county": _codes(county_ids, values["county"].code_of),
        "year": _codes(years, values["year"].code_of),
    }
    members, complete = {}, True
    for facet in MULTIPLE:
        rows, facet_codes, all_known = _members(
            column[f"{facet}_joined"],
            values[facet].code_of,
            numbers=facet != "organisation_kind",
        )
        members[facet] = (rows, facet_codes)
        complete &= all_known
    no_county = np.array([county_id is None for county_id in county_ids], dtype=bool)
    complete &= bool(
        (codes["level"] >= 0).all()
        and (codes["year"] >= 0).all()
        and ((codes["county"] >= 0) | no_county).all()
    )
    # By title as the FilterSet orders (search.swedish_title_key), computed here: the
    # database's translate() is slow over every title.
    title_keys = np.empty(len(column["title"]), dtype=object)
    title_keys[:] = [swedish_title_sort_key(title) for title in column["title"]]
    per_row = {
        "ids": np.array(column["pk"], dtype=np.int64),
        "is_good_example": np.array(column["is_good_example"], dtype=bool),
        "lineage": np.array(column["lineage_id"], dtype=np.int64),
        "version": np.array(column["version_number"], dtype=np.int64),
        "signed_on": _floats(column["signed_day"]),
        "valid_from": _floats(column["valid_from_day"]),
        "valid_until": _floats(column["valid_until_day"]),
        "title_keys": title_keys,
        **codes,
        **{name: _floats(column[name]) for name in _order_columns()},
    }
    return _Rows(per_row=per_row, members=members, complete=complete)


def _title_key(per_row: dict[str, np.ndarray]) -> Callable[[int], tuple]:
    """A row's place in the FilterSet's title order (swedish_title_key, version, id)."""
    keys, versions, ids = per_row["title_keys"], per_row["version"], per_row["ids"]
    return lambda row: (keys[row], versions[row], ids[row])


def _mark() -> _Mark:
    """Read first, before the rows: a change that commits after this is read again by the
    next update even if the rows already hold it, so none is ever missed."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_current_snapshot()::text, now(), "
            f"(SELECT token::text FROM {CatalogueState._meta.db_table} WHERE id = 1), "
            f"(SELECT coalesce(max(id), 0) FROM {CatalogueChange._meta.db_table}), "
            "pg_current_xact_id_if_assigned()::text, "
            f"(SELECT min(changed_at) FROM {CatalogueChange._meta.db_table})"
        )
        snapshot, read_at, token, last_change, writer, oldest_change = cursor.fetchone()
    return _Mark(
        token=str(token),
        snapshot=snapshot,
        last_change=last_change,
        read_at=read_at,
        writer=writer,
        oldest_change=oldest_change,
    )


@contextmanager
def _one_snapshot():
    """A transaction whose statements all see the registry as it was at its first: the rows
    and the orders of one index always agree. Inside a caller's transaction (a test's), that
    transaction's own."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _index(*, mark: _Mark, day: datetime.date, rows: _Rows, values, title_order) -> CatalogueIndex:
    per_row = rows.per_row
    status, is_latest = _legal_statuses(**_dated(per_row), day=day)
    return CatalogueIndex(
        token=mark.token,
        day=day,
        ids=per_row["ids"],
        is_latest=is_latest,
        is_good_example=per_row["is_good_example"],
        codes={**{facet: per_row[facet] for facet in _SINGLE}, "status": status},
        members=rows.members,
        values=values,
        title_order=title_order,
        newest_order=_sorted_rows(per_row, "newest"),
        published_order=_sorted_rows(per_row, "published"),
        rows=rows,
        mark=mark,
    )


def _read_all(*, mark: _Mark, day: datetime.date) -> CatalogueIndex:
    """Every published version once, and the facet labels, as of `mark`."""
    column = _read_columns(Agreement.objects.published())
    values = _facet_values(column)
    rows = _rows(column, values)
    title_order = np.array(
        sorted(range(len(rows.per_row["ids"])), key=_title_key(rows.per_row)), dtype=np.int64
    )
    return _index(mark=mark, day=day, rows=rows, values=values, title_order=title_order)


def catalogue_index_build(*, day: datetime.date) -> CatalogueIndex:
    """The index read from the start: every published version once, and the facet labels."""
    with _one_snapshot():
        return _read_all(mark=_mark(), day=day)


# How long the changes are kept: an index older than half of it is read again from the start.
CHANGES_KEPT = datetime.timedelta(days=1)


def _changed_versions(since: _Mark) -> set[int] | None:
    """The versions of every change committed after `since` was read; None when one of them
    changed what the facets are named, or `since` was read in a transaction rolled back since
    (read everything again)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT agreement_ids FROM {CatalogueChange._meta.db_table} "
            "WHERE id > %(seen)s "
            "OR NOT pg_visible_in_snapshot(transaction_id, %(snapshot)s::pg_snapshot) "
            # A note without versions (everything) when the reading transaction was undone.
            "UNION ALL SELECT NULL WHERE %(writer)s::xid8 IS NOT NULL "
            "AND coalesce(pg_xact_status(%(writer)s::xid8), 'gone') "
            "NOT IN ('committed', 'in progress')",
            {"seen": since.last_change, "snapshot": since.snapshot, "writer": since.writer},
        )
        changes = [agreement_ids for (agreement_ids,) in cursor.fetchall()]
    if any(agreement_ids is None for agreement_ids in changes):
        return None
    return {pk for agreement_ids in changes for pk in agreement_ids}


def _merged(previous: CatalogueIndex, lineages: np.ndarray, fresh: _Rows) -> tuple:
    """The previous index's rows without `lineages`' versions, and their versions as read
    now: the rows by id, the members renumbered, and the title order."""
    old = previous.rows.per_row
    keep = ~np.isin(old["lineage"], lineages)
    kept = np.flatnonzero(keep)
    joined = np.concatenate([previous.ids[kept], fresh.per_row["ids"]])
    by_id = np.argsort(joined, kind="stable")
    position = np.empty(len(joined), dtype=np.int64)  # joined position → row of the new index
    position[by_id] = np.arange(len(joined))
    old_position = np.full(len(previous.ids), -1, dtype=np.int64)
    old_position[kept] = position[: len(kept)]
    new_position = position[len(kept) :]
    per_row = {
        name: np.concatenate([array[kept], fresh.per_row[name]])[by_id]
        for name, array in old.items()
    }
    members = {}
    for facet, (rows, codes) in previous.rows.members.items():
        stays = keep[rows]
        fresh_rows, fresh_codes = fresh.members[facet]
        members[facet] = (
            np.concatenate([old_position[rows[stays]], new_position[fresh_rows]]),
            np.concatenate([codes[stays], fresh_codes]),
        )
    # The kept rows stay in title order among themselves; the fresh ones go in between.
    kept_order = old_position[previous.title_order]
    kept_order = kept_order[kept_order >= 0]
    key = _title_key(per_row)
    fresh_order = sorted(new_position.tolist(), key=key)
    kept_list = kept_order.tolist()
    places = [bisect.bisect_left(kept_list, key(row), key=key) for row in fresh_order]
    title_order = np.insert(kept_order, places, fresh_order).astype(np.int64)
    return _Rows(per_row=per_row, members=members, complete=True), title_order


def catalogue_index_update(previous: CatalogueIndex | None, *, day: datetime.date):
    """The index for the registry as it is now: from `previous`, only the agreements changed
    since it was read (every published version of theirs read again); everything read from
    the start when there is no previous index, when a facet's names changed, when a version
    holds a value the facets do not know yet (a new year, municipality or organisation), or
    when the previous index is older than half of CHANGES_KEPT. A full read prunes the notes
    older than CHANGES_KEPT (after its read-only transaction)."""
    with _one_snapshot():
        mark = _mark()
        index = None if previous is None else _updated(previous, mark=mark, day=day)
        if index is not None:
            return index
        index = _read_all(mark=mark, day=day)
    kept_from = mark.read_at - CHANGES_KEPT
    if mark.oldest_change is not None and mark.oldest_change < kept_from:
        CatalogueChange.objects.filter(changed_at__lt=kept_from).delete()
    return index


def _updated(previous: CatalogueIndex, *, mark: _Mark, day: datetime.date):
    """`previous` with the changes committed since it was read, as of `mark`; None when
    everything must be read again (catalogue_index_update)."""
    if mark.read_at - previous.mark.read_at > CHANGES_KEPT / 2:
        return None
    changed = _changed_versions(previous.mark)
    if changed is None:
        return None
    in_index = previous.rows.per_row["lineage"][np.isin(previous.ids, list(changed))]
    lineages = np.union1d(
        in_index,
        np.array(
            Agreement.objects.filter(pk__in=changed).values_list("lineage_id", flat=True),
            dtype=np.int64,
        ),
    )
    if not len(lineages):  # the changes were undone, or are not public yet
        unchanged = replace(previous, token=mark.token, mark=mark)
        return unchanged if unchanged.day == day else unchanged.on_day(day)
    fresh = _rows(
        _read_columns(Agreement.objects.published().filter(lineage_id__in=lineages)),
        previous.values,
    )
    if not fresh.complete:
        return None
    rows, title_order = _merged(previous, lineages, fresh)
    return _index(mark=mark, day=day, rows=rows, values=previous.values, title_order=title_order)


_lock = threading.Lock()
_current: CatalogueIndex | None = None


def _own_blocks() -> int:
    """The caller's open atomic blocks, without those a test case wraps each test in."""
    if not connection.in_atomic_block:
        return 0
    return sum(not block._from_testcase for block in connection.atomic_blocks)


def outer_transaction_open() -> bool:
    """Whether the caller is inside a transaction of its own that commits later (not a test's,
    which never commits: there, as in autocommit, a change is seen at once)."""
    return _own_blocks() > 0 and not connection.atomic_blocks[0]._from_testcase


def _bump() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CatalogueState._meta.db_table} (id, token) "
            "VALUES (1, gen_random_uuid()) ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token"
        )


def _registered() -> bool:
    return any(func is _bump for _ids, func, _robust in connection.run_on_commit)


def catalogue_changed(*, agreement_ids=None, committing: bool = False) -> None:
    """Notes that these versions (None: everything, e.g. a facet's names) changed what the
    catalogue shows, and gives the catalogue a new token: every process updates its index at
    its next catalogue request after the change is committed.

    The note is a row of its own (CatalogueChange), written in the caller's transaction: an
    index reads only the notes committed after it was read, whatever order transactions
    commit in (catalogue_index_update).

    The token's row is the one row every publishing write shares, so it is never written in
    the middle of a transaction, where its lock would make every other staff write wait for
    this one to end (a save of 1,000 commitments held it for 25 s). Inside a transaction that
    commits later it is written once, after the commit, as a statement of its own; at the end
    of the outermost transaction (`committing`: agreement_changes' last step) it is written
    there, and its lock lasts only for the commit. A sequence or pg_notify would not need the
    row, but a sequence's new value is seen before the commit (a process could rebuild from
    the old rows and keep them under the new value), and a notification needs a listener in
    every worker; an UPDATE seen only once committed keeps the rule simple."""
    CatalogueChange.objects.create(
        agreement_ids=None if agreement_ids is None else sorted({int(pk) for pk in agreement_ids})
    )
    if outer_transaction_open() and _own_blocks() > (1 if committing else 0):
        if not _registered():
            transaction.on_commit(_bump, robust=True)
    else:
        _bump()


def catalogue_token() -> str:
    """The catalogue's change marker as it is now (one small query). Every public list asks
    for it, so it is written in SQL: the ORM took longer to build it than PostgreSQL to answer."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token::text FROM {CatalogueState._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0] if row else None)  # as _mark reads it


def _update(*, day: datetime.date) -> None:
    """Updates the index in a thread of its own, with a database connection of its own, and
    puts it in place; `_lock` is held by the caller and released here."""
    global _current
    try:
        _current = catalogue_index_update(_current, day=day)
    finally:
        connection.close()
        _lock.release()


def catalogue_index() -> CatalogueIndex:
    """The index for the registry as it is now: one query when nothing changed.

    A new day changes only the statuses, which the index of the day before gives at once
    (`CatalogueIndex.on_day`, a few milliseconds, no reading of the database). After a change,
    with CATALOGUE_REBUILD_IN_BACKGROUND (production), the index keeps answering while one
    thread reads the changed agreements into a new one, so that readers never wait for it; a
    process without an index reads it before answering."""
    global _current
    token = catalogue_token()
    day = timezone.localdate()
    index = _current
    if index is not None and index.day != day:
        index = _current = index.on_day(day)
    if index is not None and index.token == token:
        return index
    if index is not None and settings.CATALOGUE_REBUILD_IN_BACKGROUND:
        if _lock.acquire(blocking=False):  # else an update is already on its way
            threading.Thread(target=_update, kwargs={"day": day}, daemon=True).start()
        return index
    with _lock:
        index = _current
        if index is None or index.token != token or index.day != day:
            index = _current = catalogue_index_update(index, day=day)
    return index
