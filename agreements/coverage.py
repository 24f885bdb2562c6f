"""Which municipalities a local agreement in force covers: the counting rules that the county
pages, the reports and the statistics share.

- Only published agreements count; drafts never do.
- Only the version in force on the day counts, so a superseded version never counts twice.
- A multi-municipality agreement covers each of its municipalities once.
- An annex agreement (hängavtal) covers its own municipality.
- An agreement valid until yesterday is not in force today.
- A municipality is in one of three states: covered by an agreement in force; else, when a
  published agreement of unknown validity (no start or signing date, legal status
  "okänd") covers it, "giltighet okänd"; else without an agreement. The registry never
  says a municipality has no agreement when it has one whose validity it does not know.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from actors.boundaries import Boundaries, CountyCounting
from actors.models import Municipality
from agreements.catalogue_index import CatalogueIndex
from agreements.models import (
    Agreement,
    LegalStatus,
    Level,
    Publication,
    effective_start,
    effective_start_precision,
)
from followup.models import FollowUp, FollowUpState
from registry import partial_dates
from registry.partial_dates import PartialDate


class CoverageState:
    IN_FORCE = "covered"
    VALIDITY_UNKNOWN = "validity-unknown"
    NONE = "not-covered"


@dataclass(frozen=True)
class MunicipalityCoverage:
    municipality: Municipality
    county_id: int  # the county it is counted under (today's, or the day's: CountyCounting)
    agreement_ids: tuple[int, ...]  # local agreements in force
    in_force_since: PartialDate | None  # as written: "2004", "mars 2009"
    last_followup_year: int | None
    unknown_validity_ids: tuple[int, ...] = ()  # published, of unknown validity

    @property
    def is_covered(self) -> bool:
        return bool(self.agreement_ids)

    @property
    def validity_unknown(self) -> bool:
        """No agreement in force, but one whose validity the registry does not know."""
        return not self.agreement_ids and bool(self.unknown_validity_ids)

    @property
    def state(self) -> str:
        if self.is_covered:
            return CoverageState.IN_FORCE
        if self.validity_unknown:
            return CoverageState.VALIDITY_UNKNOWN
        return CoverageState.NONE

    @property
    def listed_ids(self) -> tuple[int, ...]:
        """The agreements a page names for the municipality: those in force, else those of
        unknown validity."""
        return self.agreement_ids or self.unknown_validity_ids


def local_agreements_in_force(*, on: datetime.date | None = None):
    return Agreement.objects.published().in_force(on=on).filter(level=Level.LOCAL)


# What covers a municipality (the rules above), in the catalogue's filters: a published local
# agreement in force on the day, else one of unknown validity.
COVERING = {"level": [Level.LOCAL], "status": [LegalStatus.IN_FORCE, LegalStatus.UNKNOWN]}


def local_agreements_in_force_or_unknown(*, on: datetime.date | None = None):
    """Published local agreements in force on the day or of unknown validity, with their
    `legal_status` (AgreementQuerySet.with_status)."""
    return (
        Agreement.objects.published()
        .with_status(on)
        .filter(level__in=COVERING["level"], legal_status__in=COVERING["status"])
    )


def in_force_during(queryset, *, year: int):
    """The versions in `queryset` that were in force on at least one day of `year`, by the
    same rule as AgreementQuerySet.in_force(on=).

    The days a version is in force form one unbroken stretch from its start (it ends when its
    validity ends or a newer published version starts, and neither undoes itself). So a version
    is in force on some day of the year exactly when it is in force on the later of its start
    and 1 January; that day differs per row, which is why the superseding test is written
    here with a row-dependent date instead of calling in_force()."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    newer_started = Agreement.objects.filter(
        lineage_id=OuterRef("lineage_id"),
        version_number__gt=OuterRef("version_number"),
        publication=Publication.PUBLISHED,
    ).filter(
        Q(valid_from__isnull=True, signed_on__isnull=True)
        | Q(valid_from__lte=OuterRef("first_day_in_year"))
        | Q(valid_from__isnull=True, signed_on__lte=OuterRef("first_day_in_year"))
    )
    return (
        queryset.alias(
            start=effective_start(),
            first_day_in_year=Greatest(effective_start(), Value(first)),
        )
        .filter(start__lte=last)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=F("first_day_in_year")))
        .filter(~Exists(newer_started))
    )


@dataclass
class _Covering:
    """Per municipality id: the local agreements in force and those of unknown validity, the
    start as written of the earliest in force, and the year of their last completed
    follow-up."""

    in_force: dict[int, list[int]]
    unknown: dict[int, list[int]]
    since: dict[int, PartialDate]
    last_followup: dict[int, int]


def _last_followup():
    """The year of the agreement's (OuterRef pk) last completed follow-up."""
    return (
        FollowUp.objects.filter(agreement_id=OuterRef("pk"), state=FollowUpState.COMPLETED)
        .order_by()
        .values("agreement_id")
        .annotate(year=Max("year"))
        .values("year")
    )


# An agreement's facts as a page shows them: its start as written, the year of its last
# completed follow-up.
_Facts = dict[int, tuple[PartialDate | None, int | None]]


def _covering(
    *,
    keys: np.ndarray,
    ids: np.ndarray,
    in_force: np.ndarray,
    starts: np.ndarray,
    facts: Callable[[list[int]], _Facts],
) -> _Covering:
    """The coverage of each municipality from one entry per (municipality id `keys`,
    agreement `ids`) that covers it, in force or else of unknown validity, with the
    agreement's effective start (`starts`, any number that orders the days; NaN when
    unknown). `facts(earliest)` gives the facts of the `earliest` agreement in force in each
    municipality and of every agreement in force with a completed follow-up."""
    covering = _Covering({}, {}, {}, {})
    earliest: dict[int, int] = {}  # municipality id: the agreement in force that started first
    for found, ids_of in ((in_force, covering.in_force), (~in_force, covering.unknown)):
        if not found.any():
            continue
        # By municipality, then start (NaN last), then id: each municipality's first is the
        # earliest.
        order = np.lexsort((ids[found], starts[found], keys[found]))
        found_keys, found_ids = keys[found][order], ids[found][order]
        municipality_ids_found, firsts = np.unique(found_keys, return_index=True)
        for key, first, ids_of_one in zip(
            municipality_ids_found.tolist(),
            firsts.tolist(),
            np.split(found_ids, firsts[1:]),
            strict=True,
        ):
            ids_of[key] = sorted(ids_of_one.tolist())
            if found is in_force:
                earliest[key] = int(found_ids[first])
    known = facts(list(earliest.values()))
    for municipality_id, pk in earliest.items():
        if known.get(pk, (None, None))[0]:  # else without a start, or deleted since read
            covering.since[municipality_id] = known[pk][0]
    followed_up = {pk: year for pk, (_start, year) in known.items() if year}
    has_year = in_force & np.isin(ids, list(followed_up))
    for key, pk in zip(keys[has_year].tolist(), ids[has_year].tolist(), strict=True):
        covering.last_followup[key] = max(followed_up[pk], covering.last_followup.get(key, 0))
    return covering


def _covering_in_database(*, municipalities, county, on: datetime.date) -> _Covering:
    links = local_agreements_in_force_or_unknown(on=on).order_by()
    if county is not None:
        links = links.filter(municipalities__in=municipalities.values("pk"))
    # One row per (municipality, agreement) with the agreement's facts: the ids never travel
    # back to the database as a list, which for a whole county is thousands of parameters.
    rows = [
        row
        for row in links.values_list(
            "municipalities",
            "pk",
            "legal_status",
            effective_start(),
            effective_start_precision(),
            Subquery(_last_followup()),
        )
        if row[0] is not None  # an agreement without municipalities covers none
    ]
    facts = {
        pk: (partial_dates.of(start, precision), followup_year)
        for _municipality_id, pk, _status, start, precision, followup_year in rows
    }
    return _covering(
        keys=np.array([row[0] for row in rows], dtype=np.int64),
        ids=np.array([row[1] for row in rows], dtype=np.int64),
        in_force=np.array([row[2] == LegalStatus.IN_FORCE for row in rows], dtype=bool),
        starts=np.array([row[3].toordinal() if row[3] else np.nan for row in rows]),
        facts=lambda _earliest: facts,
    )


def _covering_in_index(*, municipalities, index: CatalogueIndex) -> _Covering:
    """What _covering_in_database reads, from the catalogue's index: the agreements covering
    each municipality with their starts, then the facts of those that started first and of
    those followed up, in one query."""
    municipality_ids = [municipality.pk for municipality in municipalities]
    members = index.members_of("municipality", keys=municipality_ids, chosen=COVERING)

    def facts(earliest: list[int]) -> _Facts:
        followed = FollowUp.objects.filter(
            state=FollowUpState.COMPLETED, agreement__municipalities__in=municipality_ids
        ).values("agreement_id")
        read = Agreement.objects.values_list(
            "pk", effective_start(), effective_start_precision(), Subquery(_last_followup())
        )
        return {
            pk: (partial_dates.of(start, precision), followup_year)
            for pk, start, precision, followup_year in read.filter(pk__in=earliest).union(
                read.filter(pk__in=followed)
            )
        }

    return _covering(
        keys=members.keys,
        ids=members.ids,
        in_force=members.statuses == LegalStatus.IN_FORCE,
        starts=members.starts,
        facts=facts,
    )


def municipality_coverage(
    *,
    county=None,
    on: datetime.date | None = None,
    boundaries: str = Boundaries.TODAY,
    index: CatalogueIndex | None = None,
) -> list[MunicipalityCoverage]:
    """One row per municipality (of the county, or of Sweden), with the local agreements in
    force and those of unknown validity. The municipalities are today's, or with
    `boundaries` "then" those that existed on the day, each under the county and in the
    order of the code it had then (actors/boundaries.py). Two queries whatever the number
    of agreements. Under today's boundaries, given the catalogue's `index`, which agreements
    cover which municipality is read from it: milliseconds, where the database takes half a
    second for a county at 200,000 agreements. The municipalities and counties come without
    their boundaries, which would be most of the time spent (maps read them through
    actors.maps.outline_of)."""
    on = on or timezone.localdate()
    municipalities = (
        CountyCounting(boundaries=boundaries, on=on)
        .municipalities(county)
        .select_related("county")
        .defer("geometry", "county__geometry")
        .order_by("counted_code")
    )
    if index is not None and boundaries == Boundaries.TODAY:
        covering = _covering_in_index(
            municipalities=municipalities, index=index if index.day == on else index.on_day(on)
        )
    else:
        covering = _covering_in_database(municipalities=municipalities, county=county, on=on)
    return [
        MunicipalityCoverage(
            municipality=municipality,
            county_id=municipality.counted_county_id,
            agreement_ids=tuple(covering.in_force.get(municipality.pk, ())),
            in_force_since=covering.since.get(municipality.pk),
            last_followup_year=covering.last_followup.get(municipality.pk),
            unknown_validity_ids=tuple(covering.unknown.get(municipality.pk, ())),
        )
        for municipality in municipalities
    ]
