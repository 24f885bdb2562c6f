"""Boundaries over time, one place for their rules: which county a municipality belonged to
on a day, whether an agreement's county and municipalities fit the boundaries on the
agreement's own date, and which county a figure is counted under (today's boundaries, or
those of a chosen day). The history is reference data: fixtures/reference/boundaries.json,
loaded by actors.services.boundaries_load into County (valid_from, valid_until, successor),
Municipality (valid_from, formed_from) and CountyMembership."""

import datetime
from functools import cached_property

from django.db.models import (
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy

from actors.models import County, CountyMembership, Municipality

# The registry's boundary history starts here; an earlier day is read with 1995's boundaries.
HISTORY_START = datetime.date(1995, 1, 1)


class Boundaries(TextChoices):
    """Which boundaries a statistic counts under."""

    TODAY = "today", gettext_lazy("Dagens län")
    THEN = "then", gettext_lazy("Länen på den valda dagen")


def agreement_day(agreement) -> datetime.date:
    """The day an agreement's place (county, municipalities) is judged on: its signing date,
    else its start date, else today. A date known only to the year or month is stored as its
    first day (registry/partial_dates.py); boundaries change on 1 January, so that day
    judges a year-only date as the year itself."""
    return agreement.signed_on or agreement.valid_from or timezone.localdate()


def county_key(county: County) -> str:
    """How a county is written in the agreement document: today's by code, a former county
    by its slug (its code may now be another county's: 12 was Malmöhus län, is Skåne län)."""
    return county.code if county.is_current else county.slug


def county_from_key(value: str) -> County | None:
    """The county a document names (county_key): today's county with that code, else any
    county with that slug, else the one former county with that code (11, 15, 16)."""
    found = County.objects.filter(code=value).first()
    found = found or County.all_objects.filter(slug=value).first()
    if found is None:
        former = list(County.all_objects.filter(code=value, valid_until__isnull=False)[:2])
        found = former[0] if len(former) == 1 else None
    return found


def _history_day(day: datetime.date) -> datetime.date:
    return max(day, HISTORY_START)


def membership_on(municipality: Municipality, day: datetime.date) -> CountyMembership | None:
    """The municipality's county membership on the day (None: it did not exist). Reads the
    prefetched `memberships` when there are any."""
    day = _history_day(day)
    for membership in municipality.memberships.all():
        if membership.valid_from <= day and (
            membership.valid_until is None or day <= membership.valid_until
        ):
            return membership
    return None


def memberships_on(day: datetime.date) -> QuerySet:
    """membership_on as a queryset: the memberships that held on the day."""
    day = _history_day(day)
    return CountyMembership.objects.filter(valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def county_on(municipality: Municipality, day: datetime.date) -> County | None:
    membership = membership_on(municipality, day)
    return membership.county if membership else None


def day_of_year(year: int) -> datetime.date:
    """The day whose boundaries a figure for a whole year (a follow-up, a reception figure)
    counts under: the year's last day."""
    return datetime.date(year, 12, 31)


def _date(day: datetime.date) -> str:
    return day.isoformat()


def county_problem(county: County, day: datetime.date) -> str:
    """Why the county cannot be an agreement's county on the day, or ''."""
    if county.exists_on(day):
        return ""
    if county.valid_until is not None and day > county.valid_until:
        successor = county.successor
        then = f" Välj {successor}." if successor else ""
        return (
            f"{county} upphörde {_date(county.valid_until)}"
            + (f" och uppgick i {successor}" if successor else "")
            + f"; på överenskommelsens datum {_date(day)} fanns länet inte.{then}"
        )
    predecessors = sorted(str(p) for p in County.all_objects.filter(successor=county))
    then = f" Då fanns {' och '.join(predecessors)}; välj ett av dem." if predecessors else ""
    return (
        f"{county} bildades {_date(county.valid_from)}; på överenskommelsens datum "
        f"{_date(day)} fanns länet inte.{then}"
    )


def municipality_problems(county: County, municipalities, day: datetime.date) -> list[str]:
    """Why the municipalities cannot be named on an agreement of the county on the day, as
    sentences (a municipality that did not exist yet; one that lay in another county then)."""
    problems = []
    never_there = []
    municipalities = list(municipalities)
    prefetch_related_objects(municipalities, "memberships")
    for municipality in sorted(municipalities, key=lambda m: m.name):
        if municipality.valid_from and day < municipality.valid_from:
            formed_from = ", ".join(m.name for m in municipality.formed_from.all())
            problems.append(
                f"{municipality} bildades {_date(municipality.valid_from)}"
                + (f" ur {formed_from}" if formed_from else "")
                + f"; på överenskommelsens datum {_date(day)} fanns kommunen inte."
            )
            continue
        membership = membership_on(municipality, day)
        if membership is None or membership.county_id == county.pk:
            continue
        then = membership.county
        other = [m for m in municipality.memberships.all() if m.county_id == county.pk]
        if not other:
            never_there.append(municipality.name)
        elif other[0].valid_from > _history_day(day):
            problems.append(
                f"{municipality} låg i {county} från {_date(other[0].valid_from)}; på "
                f"överenskommelsens datum {_date(day)} låg den i {then}."
            )
        else:
            problems.append(
                f"{municipality} låg i {county} till {_date(other[-1].valid_until)}; på "
                f"överenskommelsens datum {_date(day)} låg den i {then}."
            )
    if never_there:
        verb = "ligger" if county.is_current else "låg"
        problems.append(
            f"{', '.join(never_there)} {verb} inte i {county}. Välj kommuner i {county} eller "
            "byt län."
        )
    return problems


def place_problems(*, county: County | None, municipalities, day: datetime.date) -> dict:
    """An agreement's county and municipalities against the boundaries on its day, as
    {"county": [...], "municipalities": [...]} (empty when they fit)."""
    problems: dict[str, list[str]] = {}
    if county is None:
        return problems
    if message := county_problem(county, day):
        problems["county"] = [message]
    if found := municipality_problems(county, municipalities, day):
        problems["municipalities"] = found
    return problems


# --------------------------------------------------------------------------------------------
# Counting


def county_today(county: County, counties: dict[int, County] | None = None) -> County:
    """The county a former county is part of today; itself if it still exists. Reads the
    successors from `counties` (id: county) when given."""
    while county.successor_id is not None:
        county = counties[county.successor_id] if counties is not None else county.successor
    return county


class CountyCounting:
    """Which county a figure is counted under: today's boundaries (`on` None), or those of
    the day `on`. Reads the counties once, when first asked."""

    def __init__(self, *, boundaries: str = Boundaries.TODAY, on: datetime.date | None = None):
        self.on = on if boundaries == Boundaries.THEN else None

    @cached_property
    def all(self) -> dict[int, County]:
        return {c.pk: c for c in County.all_objects.defer("geometry")}

    def counties(self) -> list[County]:
        """The counties a table has a row for, in code order."""
        if self.on is None:
            rows = [c for c in self.all.values() if c.is_current]
        else:
            rows = [c for c in self.all.values() if c.exists_on(_history_day(self.on))]
        return sorted(rows, key=lambda c: c.code)

    def county_of(self, county: County) -> County:
        """The county that a county's figures are counted under: today's county it is part
        of, or on the day the county it was part of then (itself while it existed)."""
        if county.successor_id is None:
            return county
        county = self.all[county.pk]
        if self.on is None:
            return county_today(county, self.all)
        while county.successor_id is not None and self.on > county.valid_until:
            county = self.all[county.successor_id]
        return county

    def county_id_of_agreement(self, county_id: int | None) -> int | None:
        """The county an agreement of the county `county_id` is counted under."""
        if county_id is None:
            return None
        return self.county_of(self.all[county_id]).pk

    def parts_of(self, county: County) -> list[County]:
        """The counties of the day that are part of the county today (Skåne län in 1996:
        Kristianstads län and Malmöhus län)."""
        return [c for c in self.counties() if county_today(c, self.all) == county]

    def municipalities(self, county: County | None = None) -> QuerySet:
        """The municipalities counted under the county (None: under any county), annotated
        with `counted_county_id` and `counted_code`: today's county and code (every
        municipality of today), or those on the day (Heby: Västmanlands län, 1917 in 2005; a
        municipality that did not exist then is left out)."""
        if self.on is None:
            county_id, code = F("county_id"), F("code")
        else:
            held = memberships_on(self.on).filter(municipality=OuterRef("pk"))
            county_id = Subquery(held.values("county_id")[:1])
            code = Subquery(held.values("code")[:1])
        municipalities = Municipality.objects.annotate(
            counted_county_id=county_id, counted_code=code
        )
        if county is None:
            return municipalities.filter(counted_county_id__isnull=False)
        return municipalities.filter(counted_county_id=county.pk)

    def agreements_in(self, county: County, prefix: str = "") -> Q:
        """A filter for the agreements counted under the county."""
        if self.on is None:
            return agreements_under_today(county, prefix)
        ids = [pk for pk in self.all if self.county_id_of_agreement(pk) == county.pk]
        return Q(**{f"{prefix}county_id__in": ids})


def agreements_under_today(county: County, prefix: str = "") -> Q:
    """A filter for the agreements counted under today's county: its own and those of the
    counties merged into it (every merger since 1995 was into a new county, never twice).
    A subquery, so that it costs no query of its own."""
    return Q(**{f"{prefix}county_id__in": counties_counted_under([county.pk])})


def counties_counted_under(county_ids) -> QuerySet:
    """The ids of the counties counted under these counties today: themselves and the
    counties merged into them, as a subquery."""
    return County.all_objects.filter(Q(pk__in=county_ids) | Q(successor__in=county_ids)).values(
        "pk"
    )


def municipalities_in_year(county: County, year: int) -> QuerySet:
    """The municipalities whose figures for the year (reception figures) belong to today's
    county: those that lay in it, or in a county since merged into it, that year (on
    day_of_year). Heby's figures for 2005 are Västmanlands län's, for 2007 Uppsala län's."""
    in_year = memberships_on(day_of_year(year)).filter(
        county_id__in=counties_counted_under([county.pk])
    )
    return Municipality.objects.filter(pk__in=in_year.values("municipality_id"))


def county_id_in_year(municipality: Municipality, year: int) -> int:
    """The county a municipality's figure for the year belongs to: the one it lay in that
    year (today's, if the municipality did not exist yet)."""
    membership = membership_on(municipality, day_of_year(year))
    return membership.county_id if membership else municipality.county_id


def todays_county_ids() -> dict[int, int]:
    """Each former county's id and the id of the county it is part of today."""
    return {
        county.pk: county_today(county).pk
        for county in County.all_objects.filter(successor__isnull=False).select_related("successor")
    }
