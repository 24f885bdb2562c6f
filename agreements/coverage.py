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
from dataclasses import dataclass

from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from actors.boundaries import Boundaries, CountyCounting
from actors.models import Municipality
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


def local_agreements_in_force_or_unknown(*, on: datetime.date | None = None):
    """Published local agreements in force on the day or of unknown validity, with their
    `legal_status` (AgreementQuerySet.with_status)."""
    return (
        Agreement.objects.published()
        .with_status(on)
        .filter(level=Level.LOCAL, legal_status__in=[LegalStatus.IN_FORCE, LegalStatus.UNKNOWN])
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


def municipality_coverage(
    *, county=None, on: datetime.date | None = None, boundaries: str = Boundaries.TODAY
) -> list[MunicipalityCoverage]:
    """One row per municipality (of the county, or of Sweden), with the local agreements in
    force and those of unknown validity. The municipalities are today's, or with
    `boundaries` "then" those that existed on the day, each under the county and in the
    order of the code it had then (actors/boundaries.py). Two queries whatever the number
    of agreements. The
    municipalities and counties come without their boundaries, which would be most of the
    time spent (maps read them through actors.maps.outline_of)."""
    on = on or timezone.localdate()
    municipalities = (
        CountyCounting(boundaries=boundaries, on=on)
        .municipalities(county)
        .select_related("county")
        .defer("geometry", "county__geometry")
        .order_by("counted_code")
    )
    links = local_agreements_in_force_or_unknown(on=on).order_by()
    if county is not None:
        links = links.filter(municipalities__in=municipalities.values("pk"))
    last_followup = (
        FollowUp.objects.filter(agreement_id=OuterRef("pk"), state=FollowUpState.COMPLETED)
        .order_by()
        .values("agreement_id")
        .annotate(year=Max("year"))
        .values("year")
    )
    # One row per (municipality, agreement) with the agreement's facts: the ids never travel
    # back to the database as a list, which for a whole county is thousands of parameters.
    covering: dict[int, list[int]] = {}
    unknown: dict[int, list[int]] = {}
    facts: dict[int, tuple] = {}  # agreement id: (start as written, last follow-up year)
    for municipality_id, agreement_id, status, start, precision, followup_year in links.values_list(
        "municipalities",
        "pk",
        "legal_status",
        effective_start(),
        effective_start_precision(),
        Subquery(last_followup),
    ):
        if status == LegalStatus.UNKNOWN:
            unknown.setdefault(municipality_id, []).append(agreement_id)
            continue
        covering.setdefault(municipality_id, []).append(agreement_id)
        facts[agreement_id] = (partial_dates.of(start, precision), followup_year)
    rows = []
    for municipality in municipalities:
        ids = tuple(sorted(covering.get(municipality.pk, [])))
        starts = [facts[a][0] for a in ids if facts[a][0]]
        followups = [facts[a][1] for a in ids if facts[a][1]]
        rows.append(
            MunicipalityCoverage(
                municipality=municipality,
                county_id=municipality.counted_county_id,
                agreement_ids=ids,
                in_force_since=min(starts, key=lambda start: start.day) if starts else None,
                last_followup_year=max(followups) if followups else None,
                unknown_validity_ids=tuple(sorted(unknown.get(municipality.pk, []))),
            )
        )
    return rows
