"""The catalogue's facet index: what the catalogue filters, counts and sorts on, for every
published agreement version, held in memory as numpy arrays.

Counting ten facets with every other filter applied is ten GROUP BYs over every matching
version; in PostgreSQL that is hundreds of milliseconds at 20,000 agreements, in numpy a few.
The index is read from the database with the registry's own definitions (`with_status()`,
`latest_published()` and the FilterSet's sort orders), so it cannot drift from them; the
catalogue applies the FilterSet's cleaned values to it (`CatalogueIndex.select`), and
tests/public/test_catalogue_index.py compares that with the FilterSet's QuerySet.

It is rebuilt when the registry changes: every change to what the catalogue shows goes through
`agreement_search_refresh`, which gives `CatalogueState` a new random token. A request reads
the token (one small query) and rebuilds the index if the token or the day (status depends on
the date) differs from the one it was built for. The token is random, so a rolled-back
change never leaves a stale index that matches.
"""

import datetime
import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from django.db import connection
from django.utils import timezone

from actors.models import County, Municipality, Organisation, OrganisationKind
from agreements.models import Agreement, CatalogueState, LegalStatus, Level
from commitments.models import TargetGroup, Theme
from registry.text import swedish_sort_key

# Facets over a list of ids per version (the agreement's denormalised facet arrays).
MULTIPLE = {
    "municipality": "facet_municipalities",
    "organisation": "facet_organisations",
    "organisation_kind": "facet_organisation_kinds",
    "theme": "facet_themes",
    "target_group": "facet_target_groups",
}
FACETS = (
    "level",
    "county",
    "municipality",
    "organisation_kind",
    "organisation",
    "theme",
    "target_group",
    "status",
    "year",
    "good_example",
)


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

    # -- reading the filters -----------------------------------------------------------------

    def rows_and_ranks(self, hits) -> tuple[np.ndarray, np.ndarray]:
        """The rows of (agreement id, rank) pairs, and their ranks; ids not in the index
        (published after it was read) are left out."""
        found = np.array(hits, dtype=np.float64).reshape(-1, 2)
        ids, ranks = found[:, 0].astype(np.int64), found[:, 1]
        if not len(self.ids):
            return ids[:0], ranks[:0]
        rows = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        known = self.ids[rows] == ids
        return rows[known], ranks[known]

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

        facets = {facet: self._count(facet, all_but(facet)) for facet in FACETS}
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


def catalogue_index_build(*, token: str, day: datetime.date) -> CatalogueIndex:
    """Reads every published version once (with the QuerySet's own status rule), the newest
    version of each agreement, the two sort orders and the facet labels."""
    from agreements.filters import Sort, sort_queryset

    published = Agreement.objects.published()
    rows = list(
        published.with_status(on=day)
        .order_by("pk")
        .values_list(
            "pk",
            "level",
            "county_id",
            "legal_status",
            "signed_on",
            "is_good_example",
            *MULTIPLE.values(),
        )
    )
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    years = sorted({row[4].year for row in rows if row[4]}, reverse=True)
    values = {
        "level": _choices(Level.choices),
        "county": _named(County.objects.order_by("code")),
        "municipality": _named(Municipality.objects.all(), swedish_order=True),
        "organisation_kind": _choices(OrganisationKind.choices),
        "organisation": _named(Organisation.objects.all(), swedish_order=True),
        "theme": _named(Theme.objects.all()),
        "target_group": _named(TargetGroup.objects.all()),
        "status": _choices([(status, status.label) for status in STATUS_ORDER]),
        "year": _choices([(year, str(year)) for year in years]),
    }
    code_of = {facet: facet_values.code_of for facet, facet_values in values.items()}

    def single(facet, column):
        return np.array([code_of[facet].get(row[column], -1) for row in rows], dtype=np.int32)

    codes = {
        "level": single("level", 1),
        "county": single("county", 2),
        "status": single("status", 3),
        "year": np.array(
            [code_of["year"][row[4].year] if row[4] else -1 for row in rows], dtype=np.int32
        ).reshape(-1),
    }
    members = {}
    for column, facet in enumerate(MULTIPLE, start=6):
        pairs = [
            (position, code_of[facet][key])
            for position, row in enumerate(rows)
            for key in row[column] or ()
            if key in code_of[facet]
        ]
        members[facet] = (
            np.array([p for p, _c in pairs], dtype=np.int64),
            np.array([c for _p, c in pairs], dtype=np.int64),
        )

    def positions(queryset) -> np.ndarray:
        ordered = np.array(list(queryset.values_list("pk", flat=True)), dtype=np.int64)
        return np.searchsorted(ids, ordered)

    is_latest = np.zeros(len(ids), dtype=bool)
    is_latest[positions(Agreement.objects.latest_published().order_by())] = True
    return CatalogueIndex(
        token=token,
        day=day,
        ids=ids,
        is_latest=is_latest,
        is_good_example=np.array([row[5] for row in rows], dtype=bool),
        codes=codes,
        members=members,
        values=values,
        title_order=positions(sort_queryset(published, Sort.TITLE)),
        newest_order=positions(sort_queryset(published, Sort.NEWEST)),
        published_order=positions(published.order_by("-published_at", "-pk")),
    )


_lock = threading.Lock()
_current: CatalogueIndex | None = None


def catalogue_changed() -> None:
    """Gives the catalogue a new token, inside the caller's transaction: every process
    rebuilds its index at its next catalogue request after the change is committed."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CatalogueState._meta.db_table} (id, token) "
            "VALUES (1, gen_random_uuid()) ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token"
        )


def catalogue_index() -> CatalogueIndex:
    """The index for the registry as it is now: one query when nothing changed."""
    global _current
    token = str(CatalogueState.objects.values_list("token", flat=True).first())
    day = timezone.localdate()
    index = _current
    if index is not None and index.token == token and index.day == day:
        return index
    with _lock:
        index = _current
        if index is None or index.token != token or index.day != day:
            index = _current = catalogue_index_build(token=token, day=day)
    return index
