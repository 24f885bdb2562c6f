"""Reads for the public pages (and the API). Everything public goes through published()."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import ExtractYear

from actors.models import ContactPerson, OrganisationKind
from agreements import search
from agreements.filters import STATUS_CHOICES, AgreementFilterSet
from agreements.models import Agreement, Level, Party
from commitments.models import Commitment
from followup.models import FollowUp
from registry.text import swedish_sort_key

CATALOGUE_PAGE_SIZE = 20


def agreement_list_published() -> list[Agreement]:
    """The newest published version of every agreement, in Swedish title order."""
    agreements = (
        Agreement.objects.latest_published()
        .with_status()
        .select_related("county", "lineage")
        .prefetch_related("municipalities")
    )
    return sorted(agreements, key=lambda agreement: swedish_sort_key(agreement.title))


def agreements_by_level(agreements: list[Agreement]) -> list[tuple[str, list[Agreement]]]:
    return [
        (label, [a for a in agreements if a.level == level])
        for level, label in [
            (Level.CENTRAL, "Centrala överenskommelser"),
            (Level.REGIONAL, "Regionala överenskommelser"),
            (Level.LOCAL, "Lokala överenskommelser"),
        ]
    ]


def agreement_cards(queryset):
    """What a list of agreements shows: county, municipalities, status."""
    return (
        queryset.with_status()
        .select_related("county", "lineage")
        .prefetch_related(Prefetch("municipalities", to_attr="municipality_list"))
    )


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
    return {"counts": counts, "latest": latest, "good_examples": examples}


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

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def full_text(self) -> bool:
        return self.filterset.full_text


def catalogue_search(*, params, page_number=1) -> CatalogueResult:
    """One page of the catalogue with its facet counts: a fixed number of queries whatever
    the size of the registry."""
    filterset = AgreementFilterSet(params)
    filterset.is_valid()
    ids = filterset.qs.values_list("pk", flat=True)
    page = Paginator(ids, CATALOGUE_PAGE_SIZE).get_page(page_number)
    page_ids = list(page.object_list)
    rows = agreement_cards(Agreement.objects.filter(pk__in=page_ids))
    if filterset.query and filterset.full_text:
        rows = rows.annotate(headline=search.headline(filterset.query))
    by_id = {agreement.pk: agreement for agreement in rows}
    agreements = [by_id[pk] for pk in page_ids if pk in by_id]
    for agreement in agreements:
        agreement.snippet = search.snippet_html(getattr(agreement, "headline", None))
    return CatalogueResult(
        filterset=filterset,
        page=page,
        agreements=agreements,
        facets=catalogue_facets(filterset),
    )


def _choice_counts(rows, key, choices) -> list[FacetCount]:
    counts = {row[key]: row["n"] for row in rows}
    return [
        FacetCount(value, str(label), counts[value]) for value, label in choices if value in counts
    ]


def catalogue_facets(filterset: AgreementFilterSet) -> dict[str, list[FacetCount]]:
    """Each facet's counts with every other filter applied. One query per facet."""
    facet = filterset.facet_queryset
    facets = {}

    rows = facet("level").order_by().values("level").annotate(n=Count("pk"))
    facets["level"] = _choice_counts(rows, "level", Level.choices)

    rows = (
        facet("county")
        .order_by()
        .filter(county__isnull=False)
        .values("county__slug", "county__name", "county__code")
        .annotate(n=Count("pk"))
        .order_by("county__code")
    )
    facets["county"] = [FacetCount(r["county__slug"], r["county__name"], r["n"]) for r in rows]

    through = Agreement.municipalities.through.objects
    rows = (
        through.filter(agreement__in=facet("municipality"))
        .values("municipality__slug", "municipality__name")
        .annotate(n=Count("agreement_id"))
    )
    facets["municipality"] = sorted(
        (FacetCount(r["municipality__slug"], r["municipality__name"], r["n"]) for r in rows),
        key=lambda f: swedish_sort_key(f.label),
    )

    rows = (
        Party.objects.filter(agreement__in=facet("organisation_kind"))
        .values("organisation__kind")
        .annotate(n=Count("agreement_id", distinct=True))
    )
    facets["organisation_kind"] = _choice_counts(
        rows, "organisation__kind", OrganisationKind.choices
    )

    rows = (
        Party.objects.filter(agreement__in=facet("organisation"))
        .values("organisation__slug", "organisation__name")
        .annotate(n=Count("agreement_id", distinct=True))
    )
    facets["organisation"] = sorted(
        (FacetCount(r["organisation__slug"], r["organisation__name"], r["n"]) for r in rows),
        key=lambda f: (-f.count, swedish_sort_key(f.label)),
    )

    for name, relation, column in [
        ("theme", "themes", "theme"),
        ("target_group", "target_groups", "targetgroup"),
    ]:
        rows = (
            getattr(Agreement, relation)
            .through.objects.filter(agreement__in=facet(name))
            .values(f"{column}__slug", f"{column}__name", f"{column}__order")
            .annotate(n=Count("agreement_id"))
            .order_by(f"{column}__order", f"{column}__name")
        )
        facets[name] = [
            FacetCount(r[f"{column}__slug"], r[f"{column}__name"], r["n"]) for r in rows
        ]

    rows = facet("status").order_by().values("legal_status").annotate(n=Count("pk"))
    facets["status"] = _choice_counts(rows, "legal_status", STATUS_CHOICES)

    rows = (
        facet("year")
        .order_by()
        .filter(signed_on__isnull=False)
        .annotate(signed_year_facet=ExtractYear("signed_on"))
        .values("signed_year_facet")
        .annotate(n=Count("pk"))
        .order_by("-signed_year_facet")
    )
    facets["year"] = [
        FacetCount(str(r["signed_year_facet"]), str(r["signed_year_facet"]), r["n"]) for r in rows
    ]

    good = facet("good_example").filter(is_good_example=True).order_by().count()
    facets["good_example"] = [FacetCount("true", "Gott exempel", good)] if good else []
    return facets


# -- one agreement ---------------------------------------------------------------------------


def _agreement_detail_queryset():
    return (
        Agreement.objects.published()
        .with_status()
        .select_related(
            "county",
            "lineage",
            "parent__lineage",
            "annex_to__lineage",
            "based_on__lineage",
            "followup_responsible",
        )
        .prefetch_related(
            "municipalities",
            "themes",
            "target_groups",
            "perspectives",
            "legal_references",
            Prefetch(
                "parties",
                queryset=Party.objects.select_related("organisation").prefetch_related(
                    Prefetch(
                        "commitments",
                        queryset=Commitment.objects.prefetch_related("themes", "target_groups"),
                    )
                ),
            ),
            "goals__party__organisation",
            "sections",
            "attachments",
            Prefetch(
                "contacts",
                queryset=ContactPerson.objects.filter(is_public=True).select_related(
                    "organisation"
                ),
                to_attr="public_contacts",
            ),
            Prefetch(
                "followups",
                queryset=FollowUp.objects.published()
                .select_related("responsible_organisation")
                .order_by("-year"),
                to_attr="published_followups",
            ),
        )
    )


def agreement_get_published(*, slug: str, number: int | None = None) -> Agreement:
    """The newest published version of the agreement, or the published version `number`;
    drafts raise DoesNotExist."""
    queryset = _agreement_detail_queryset().filter(lineage__slug=slug)
    if number is not None:
        agreement = queryset.filter(version_number=number).first()
    else:
        agreement = queryset.order_by("-version_number").first()
    if agreement is None:
        raise Agreement.DoesNotExist(slug)
    return agreement


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


def agreement_related(*, agreement: Agreement) -> RelatedAgreements:
    """Links are kept to the version that was current when they were made; show the
    newest published version of each related agreement, and only published ones."""
    current = Agreement.objects.latest_published().select_related("lineage", "county")
    lineage = agreement.lineage_id
    rows = list(
        current.filter(
            Q(parent__lineage_id=lineage)
            | Q(annex_to__lineage_id=lineage)
            | Q(based_on__lineage_id=lineage)
            | Q(
                lineage_id__in=[
                    linked.lineage_id
                    for linked in (agreement.parent, agreement.annex_to, agreement.based_on)
                    if linked is not None
                ]
            )
        )
        .select_related("parent", "annex_to", "based_on")
        .order_by("title")
    )

    def pick(linked):
        if linked is None:
            return None
        return next((row for row in rows if row.lineage_id == linked.lineage_id), None)

    def under(attribute):
        return sorted(
            (
                row
                for row in rows
                if getattr(row, attribute) is not None
                and getattr(row, attribute).lineage_id == lineage
            ),
            key=lambda row: swedish_sort_key(row.title),
        )

    return RelatedAgreements(
        umbrella=pick(agreement.parent),
        local_under=under("parent"),
        annexes=under("annex_to"),
        annex_to=pick(agreement.annex_to),
        based_on=pick(agreement.based_on),
        derived=under("based_on"),
    )


def agreement_pair_for_diff(*, slug: str, old: int, new: int) -> tuple[Agreement, Agreement]:
    versions = {
        agreement.version_number: agreement
        for agreement in _agreement_detail_queryset().filter(
            lineage__slug=slug, version_number__in=[old, new]
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
        queryset.select_related("county", "lineage").order_by("-published_at", "-pk")[:limit]
    )
    return filterset, items
