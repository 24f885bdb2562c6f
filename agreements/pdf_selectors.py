"""Reads for the printed documents: one agreement version with everything it prints, the
agreements of a catalogue selection for a bulk download, and the figures of the county and
national reports.

Public reads go through `published()`; a draft version is read only through
`visible_to(user)`, so staff may print the drafts they may change and nobody else sees them.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Subquery

from actors.forms import Counting
from actors.models import ContactPerson, County, Municipality
from agreements.coverage import MunicipalityCoverage, municipality_coverage
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement, AgreementSection, Goal, Level, Party, Publication
from commitments.models import Commitment
from followup.models import (
    AssessmentStatus,
    CommitmentAssessment,
    FollowUp,
    FollowUpState,
    ReceptionFigure,
)
from followup.selectors import ReceptionYear, reception_years
from followup.statistics import reception_figures
from registry.documents import prefetched_rows
from registry.text import swedish_sort_key


def _newer_published_version():
    return Agreement.objects.published().filter(
        lineage_id=OuterRef("lineage_id"), version_number__gt=OuterRef("version_number")
    )


def _municipalities():
    # Without the map geometry: the documents print names, never maps.
    return Prefetch("municipalities", queryset=Municipality.objects.defer("geometry"))


def _with_document_parts(queryset):
    """Everything the printed agreement shows and everything its attached data holds
    (agreements/document.py), read once for both."""
    return (
        queryset.defer("county__geometry")
        .select_related(
            "county",
            "lineage",
            "parent__lineage",
            "annex_to__lineage",
            "based_on__lineage",
            "followup_responsible",
        )
        .prefetch_related(
            _municipalities(),
            "themes",
            "target_groups",
            "perspectives",
            "legal_references",
            # Orders within one agreement: the models' default orders start with the
            # agreement, which joins the agreements table into every prefetch.
            Prefetch(
                "parties",
                queryset=Party.objects.order_by("order", "id").select_related("organisation"),
            ),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.order_by("order", "id")
                .select_related("party__organisation", "responsible_contact__organisation")
                .prefetch_related("themes", "target_groups"),
            ),
            Prefetch(
                "goals",
                queryset=Goal.objects.order_by("order", "id").select_related("party__organisation"),
            ),
            Prefetch("sections", queryset=AgreementSection.objects.order_by("order", "id")),
            # The data's contacts in the document's order; a printed document holds only
            # the public ones, so no other person's data is read at all.
            Prefetch(
                "contacts",
                queryset=ContactPerson.objects.filter(is_public=True)
                .select_related("organisation")
                .order_by("pk"),
            ),
            Prefetch(
                "contacts",
                queryset=ContactPerson.objects.filter(is_public=True).select_related(
                    "organisation"
                ),
                to_attr="public_contacts",
            ),
            Prefetch(
                "reception_figures",
                queryset=ReceptionFigure.objects.select_related("municipality")
                .defer("municipality__geometry")
                .order_by("year", "municipality__code"),
            ),
        )
    )


def _versions(*, slug: str, number: int | None, user):
    versions = Agreement.objects.filter(lineage__slug=slug)
    if number is None:
        return versions.published().order_by("-version_number")
    return versions.visible_to(user or AnonymousUser()).filter(version_number=number)


@dataclass(frozen=True)
class VersionStamp:
    pk: int
    version_number: int
    updated_at: datetime.datetime
    publication: str

    @property
    def is_published(self) -> bool:
        return self.publication == Publication.PUBLISHED


def agreement_version_stamp(*, slug: str, number: int | None = None, user=None) -> VersionStamp:
    """Which version `agreement_get_for_pdf` would print and when it last changed; one query.
    Raises Agreement.DoesNotExist."""
    row = (
        _versions(slug=slug, number=number, user=user)
        .values("pk", "version_number", "updated_at", "publication")
        .first()
    )
    if row is None:
        raise Agreement.DoesNotExist(slug)
    return VersionStamp(**row)


def agreement_get_for_pdf(*, slug: str, number: int | None = None, user=None) -> Agreement:
    """The version to print, with all its parts. Without `number`, the newest published
    version. With `number`, that version if it is published, or if `user` may see the draft.
    Raises Agreement.DoesNotExist otherwise."""
    versions = _versions(slug=slug, number=number, user=user)
    agreement = (
        _with_document_parts(versions.with_status())
        .annotate(
            newest_published_number=_newest_published_number(),
        )
        .first()
    )
    if agreement is None:
        raise Agreement.DoesNotExist(slug)
    # Each party's commitments from the one read of the agreement's commitments.
    by_party: dict[int, list[Commitment]] = {}
    for commitment in agreement.commitments.all():
        by_party.setdefault(commitment.party_id, []).append(commitment)
    for party in agreement.parties.all():
        prefetched_rows(party, "commitments", by_party.get(party.pk, []))
    # A printed document is the same for every reader (it is cached by version): it names
    # a linked agreement only while that version is published.
    for link in ("parent", "annex_to", "based_on"):
        linked = getattr(agreement, link)
        if linked is not None and not linked.is_published:
            setattr(agreement, link, None)
    return agreement


def _newest_published_number():
    return Subquery(
        Agreement.objects.published()
        .filter(lineage_id=OuterRef("lineage_id"))
        .values("lineage_id")
        .annotate(newest=Max("version_number"))
        .values("newest")[:1]
    )


def followup_latest_for(agreement: Agreement) -> FollowUp | None:
    """The newest completed follow-up of this version, with its assessments and outcomes."""
    return (
        FollowUp.objects.filter(agreement=agreement)
        .filter(state=FollowUpState.COMPLETED)
        .select_related("responsible_organisation")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=CommitmentAssessment.objects.select_related(
                    "commitment__party__organisation"
                ),
            ),
            "goal_outcomes__goal",
        )
        .order_by("-year")
        .first()
    )


def agreement_list_for_catalogue_selection(
    *, filterset: AgreementFilterSet, limit: int | None = None
) -> list[Agreement]:
    """The agreements the catalogue lists for the same parameters, in its order (by default
    the newest published version of each agreement), at most `limit`. Only what a file name
    needs is read. The FilterSet must be valid."""
    agreements = filterset.qs.select_related("lineage").only("version_number", "lineage__slug")
    if limit is not None:
        agreements = agreements[:limit]
    return list(agreements)


def catalogue_selection_description(filterset: AgreementFilterSet) -> str:
    """A catalogue selection in words, for a file name or a message: the chosen values of
    each filter in the FilterSet's order, each filter's values in Swedish order, then the
    search words. The same parameters in any order give the same words."""
    parts = []
    for name in filterset.FACETS:
        values = filterset.selected(name)
        if name == "good_example":
            labels = ["goda exempel" if value else "inte goda exempel" for value in values]
        elif name in ("level", "organisation_kind", "status"):
            choices = dict(filterset.form.fields[name].choices)
            labels = [str(choices.get(value, value)) for value in values]
        else:
            labels = [str(value) for value in values]
        parts += sorted(labels, key=swedish_sort_key)
    if filterset.query:
        parts.append(f"”{filterset.query}”")
    return ", ".join(parts) or "alla publicerade överenskommelser"


# Reports ------------------------------------------------------------------------------------


@dataclass
class FollowUpStatus:
    """The newest completed follow-up of an agreement, counted by assessment status."""

    year: int
    held_on: datetime.date | None
    revision_recommended: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> list[tuple[str, int]]:
        return [
            (label, self.counts[value])
            for value, label in AssessmentStatus.choices
            if self.counts.get(value)
        ]


def _followup_status_by_agreement(agreement_ids) -> dict[int, FollowUpStatus]:
    latest = list(
        FollowUp.objects.published()
        .filter(agreement_id__in=agreement_ids)
        .order_by("agreement_id", "-year")
        .distinct("agreement_id")
        .values("pk", "agreement_id", "year", "held_on", "revision_recommended")
    )
    counts: dict[int, Counter] = {row["pk"]: Counter() for row in latest}
    for row in (
        CommitmentAssessment.objects.filter(followup_id__in=counts)
        .values("followup_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[row["followup_id"]][row["status"]] = row["n"]
    return {
        row["agreement_id"]: FollowUpStatus(
            year=row["year"],
            held_on=row["held_on"],
            revision_recommended=row["revision_recommended"],
            counts=dict(counts[row["pk"]]),
        )
        for row in latest
    }


def _attach_followup_status(agreements: list[Agreement]) -> None:
    """Sets `followup_status` (a FollowUpStatus or None) on each agreement."""
    statuses = _followup_status_by_agreement([a.pk for a in agreements])
    for agreement in agreements:
        agreement.followup_status = statuses.get(agreement.pk)


def _agreements_for_report(queryset):
    return list(
        queryset.select_related("county", "lineage")
        .defer("county__geometry")
        .defer("county__geometry")
        .prefetch_related(_municipalities())
        .annotate(
            party_count=Count("parties", distinct=True),
            commitment_count=Count("commitments", distinct=True),
        )
    )


def _sorted(agreements):
    level_order = {Level.CENTRAL: 0, Level.REGIONAL: 1, Level.LOCAL: 2}
    return sorted(agreements, key=lambda a: (level_order[a.level], swedish_sort_key(a.title)))


@dataclass(frozen=True)
class CoverageRow:
    coverage: MunicipalityCoverage
    agreement_titles: list[str]


@dataclass
class CountyReport:
    county: County
    choice: Counting  # the day and the boundaries counted under
    in_force: list[Agreement]
    others: list[Agreement]
    coverage: list[CoverageRow]
    reception_years: list[int]
    reception_rows: list[tuple[Municipality, list[ReceptionFigure | None]]]
    reception_totals: list[ReceptionYear]

    @property
    def on(self) -> datetime.date:
        return self.choice.on

    @property
    def covered_count(self) -> int:
        return sum(1 for row in self.coverage if row.coverage.is_covered)

    @property
    def validity_unknown_count(self) -> int:
        return sum(1 for row in self.coverage if row.coverage.validity_unknown)

    @property
    def followed_up_count(self) -> int:
        return sum(1 for a in self.in_force if a.followup_status)

    @property
    def covered_percent(self) -> int:
        return round(100 * self.covered_count / len(self.coverage)) if self.coverage else 0

    @property
    def in_force_counts(self) -> dict[str, int]:
        counts = Counter(a.level for a in self.in_force)
        return {level: counts.get(level, 0) for level in Level.values}


def county_report(*, county: County, choice: Counting) -> CountyReport:
    """Every published agreement counted under the county (actors/boundaries.py) in force on
    the day, the coverage of its municipalities, the newest follow-ups and the reception
    figures counted under the county (followup.statistics.reception_figures, as the
    statistics). A fixed number of queries whatever the number of
    agreements."""
    on = choice.on
    published = Agreement.objects.published().filter(choice.counting.agreements_in(county))
    in_force = _agreements_for_report(published.in_force(on=on).with_status(on))
    in_force_ids = {a.pk for a in in_force}
    others = [
        a
        for a in _agreements_for_report(
            published.filter(~Exists(_newer_published_version())).with_status(on)
        )
        if a.pk not in in_force_ids
    ]
    _attach_followup_status(in_force)
    coverage = municipality_coverage(county=county, on=on, boundaries=choice.boundaries)
    covering_ids = {pk for row in coverage for pk in row.listed_ids}
    titles = dict(Agreement.objects.filter(pk__in=covering_ids).values_list("pk", "title"))
    coverage_rows = [
        CoverageRow(coverage=row, agreement_titles=[titles[pk] for pk in row.listed_ids])
        for row in coverage
    ]
    figures = [
        row.figure for row in reception_figures(county=county, boundaries=choice.boundaries, on=on)
    ]
    years = sorted({f.year for f in figures})
    by_municipality: dict[int, dict[int, ReceptionFigure]] = {}
    municipalities: dict[int, Municipality] = {}
    for figure in figures:
        by_municipality.setdefault(figure.municipality_id, {})[figure.year] = figure
        municipalities[figure.municipality_id] = figure.municipality
    reception_rows = [
        (municipalities[pk], [by_municipality[pk].get(year) for year in years])
        for pk in sorted(municipalities, key=lambda pk: municipalities[pk].code)
    ]
    return CountyReport(
        county=county,
        choice=choice,
        in_force=_sorted(in_force),
        others=_sorted(others),
        coverage=coverage_rows,
        reception_years=years,
        reception_rows=reception_rows,
        reception_totals=reception_years(
            [figure for row in by_municipality.values() for figure in row.values()]
        ),
    )


@dataclass
class CountySummary:
    county: County
    regional_in_force: list[Agreement]
    local_in_force: int
    municipality_count: int
    covered_count: int
    last_followup_year: int | None
    validity_unknown_count: int = 0

    @property
    def covered_percent(self) -> int:
        return (
            round(100 * self.covered_count / self.municipality_count)
            if self.municipality_count
            else 0
        )


@dataclass
class NationalReport:
    choice: Counting  # the day and the boundaries counted under
    central_and_regional: list[Agreement]
    counties: list[CountySummary]
    local_in_force: int

    @property
    def on(self) -> datetime.date:
        return self.choice.on

    @property
    def municipality_count(self) -> int:
        return sum(c.municipality_count for c in self.counties)

    @property
    def covered_count(self) -> int:
        return sum(c.covered_count for c in self.counties)

    @property
    def validity_unknown_count(self) -> int:
        return sum(c.validity_unknown_count for c in self.counties)

    @property
    def covered_percent(self) -> int:
        total = self.municipality_count
        return round(100 * self.covered_count / total) if total else 0

    @property
    def in_force_counts(self) -> dict[str, int]:
        counts = Counter(a.level for a in self.central_and_regional)
        return {
            Level.CENTRAL: counts.get(Level.CENTRAL, 0),
            Level.REGIONAL: counts.get(Level.REGIONAL, 0),
            Level.LOCAL: self.local_in_force,
        }


def national_report(*, choice: Counting) -> NationalReport:
    """Central and regional agreements in force one by one; local agreements counted per
    county (today's, or those of the day: actors/boundaries.py), with the coverage of every
    county's municipalities."""
    on, counting = choice.on, choice.counting
    in_force = Agreement.objects.published().in_force(on=on)
    upper = _sorted(
        _agreements_for_report(
            in_force.filter(level__in=[Level.CENTRAL, Level.REGIONAL]).with_status(on)
        )
    )
    _attach_followup_status(upper)
    local_by_county = Counter(
        counting.county_id_of_agreement(county_id)
        for county_id in in_force.filter(level=Level.LOCAL).values_list("county_id", flat=True)
    )
    coverage: dict[int, list[MunicipalityCoverage]] = {}
    for row in municipality_coverage(on=on, boundaries=choice.boundaries):
        coverage.setdefault(row.county_id, []).append(row)
    rows = []
    for county in counting.counties():
        county_rows = coverage.get(county.pk, [])
        followup_years = [row.last_followup_year for row in county_rows if row.last_followup_year]
        rows.append(
            CountySummary(
                county=county,
                regional_in_force=[
                    a
                    for a in upper
                    if a.level == Level.REGIONAL
                    and counting.county_id_of_agreement(a.county_id) == county.pk
                ],
                local_in_force=local_by_county.get(county.pk, 0),
                municipality_count=len(county_rows),
                covered_count=sum(1 for row in county_rows if row.is_covered),
                validity_unknown_count=sum(1 for row in county_rows if row.validity_unknown),
                last_followup_year=max(followup_years) if followup_years else None,
            )
        )
    return NationalReport(
        choice=choice,
        central_and_regional=upper,
        counties=rows,
        local_in_force=sum(local_by_county.values()),
    )
