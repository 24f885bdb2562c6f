"""Reads for the public pages (and the API). Everything public goes through published()."""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Prefetch,
    Q,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from actors.models import ContactPerson, County, Municipality, Organisation, OrganisationKind
from agreements import search
from agreements.filters import STATUS_CHOICES, AgreementFilterSet
from agreements.models import Agreement, Level, Party, Publication
from commitments.models import Commitment, TargetGroup, Theme
from followup.models import FollowUp
from registry.text import swedish_sort_key

CATALOGUE_PAGE_SIZE = 20


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


_FACET_SQL = {
    # facet: (key and label columns, FROM clause after "m", GROUP BY, extra condition), or for
    # the facets over an id array: (key and label columns, label table, array column, "")
    "level": ("m.level, m.level", "", "2, 3", ""),
    "county": (
        "c.slug, c.name",
        f" JOIN {County._meta.db_table} c ON c.id = m.county_id",
        "2, 3, c.code",
        "",
    ),
    "municipality": ("x.slug, x.name", Municipality._meta.db_table, "facet_municipalities", ""),
    "organisation_kind": ("u.v, u.v", "", "facet_organisation_kinds", ""),
    "organisation": ("x.slug, x.name", Organisation._meta.db_table, "facet_organisations", ""),
    "theme": ("x.slug, x.name", Theme._meta.db_table, "facet_themes", ""),
    "target_group": ("x.slug, x.name", TargetGroup._meta.db_table, "facet_target_groups", ""),
    "status": ("m.legal_status, m.legal_status", "", "2, 3", ""),
    "year": (
        "m.signed_year::text, m.signed_year::text",
        "",
        "2, 3",
        " AND m.signed_year IS NOT NULL",
    ),
    "good_example": ("'true', 'true'", "", "2, 3", " AND m.is_good_example"),
}


def catalogue_facets(filterset: AgreementFilterSet) -> dict[str, list[FacetCount]]:
    """Every facet's counts, each with all the other filters applied, in one query: the
    matching rows are read once (search included) into a CTE with one boolean per active
    filter, and each facet groups the rows whose other booleans all hold."""
    active = filterset.active_filters()
    base = filterset.queryset.all()
    if filterset.query:
        base = filterset.filter_search(base, "q", filterset.query)
    flags = {
        f"f_{name}": ExpressionWrapper(filterset.condition(name, value), BooleanField())
        for name, value in active.items()
        if name != "status"
    }
    base = base.annotate(signed_year=ExtractYear("signed_on"), **flags)
    status_flag = "m.f_status" if "status" in active else "m.is_latest"
    columns = [
        "id",
        "level",
        "county_id",
        "is_good_example",
        "facet_municipalities",
        "facet_organisations",
        "facet_organisation_kinds",
        "facet_themes",
        "facet_target_groups",
        "lineage_id",
        "version_number",
        "signed_on",
        "valid_from",
        "valid_until",
        "signed_year",
        *flags,
    ]
    base_sql, params = base.values(*columns).order_by().query.sql_with_params()
    branches = []
    for facet, (keys, joins, group, extra) in _FACET_SQL.items():
        conditions = [f"m.f_{name}" for name in active if name not in (facet, "status")]
        if facet != "status":
            conditions.append(status_flag)
        where = " AND ".join(conditions) or "TRUE"
        if facet == "organisation_kind":
            branches.append(
                f"SELECT '{facet}' AS facet, u.v, u.v, count(*) FROM (SELECT "
                f"unnest(m.{group}) AS v FROM m WHERE {where}) u GROUP BY u.v"
            )
            continue
        if group.startswith("facet_"):  # count the ids first, then join their labels
            branches.append(
                f"SELECT '{facet}' AS facet, {keys}, s.n FROM (SELECT u.v, count(*) AS n "
                f"FROM (SELECT unnest(m.{group}) AS v FROM m WHERE {where}) u GROUP BY u.v) s "
                f"JOIN {joins} x ON x.id = s.v"
            )
            continue
        branches.append(
            f"SELECT '{facet}' AS facet, {keys}, count(*) FROM m{joins} "
            f"WHERE {where}{extra} GROUP BY {group}"
        )
    # The newest published version of each agreement and its legal status, by one grouped
    # pass over an index rather than a lookup per row. The status follows
    # AgreementQuerySet.with_status() exactly (tests/public/test_catalogue.py compares them).
    agreements = connection.ops.quote_name(Agreement._meta.db_table)
    today = timezone.localdate()
    status_sql = (
        "CASE WHEN b.version_number < latest.started_newest THEN 'superseded' "
        "WHEN b.valid_until < %(today)s THEN 'expired' "
        "WHEN b.valid_from > %(today)s OR (b.valid_from IS NULL AND b.signed_on > %(today)s) "
        "THEN 'upcoming' "
        "WHEN b.valid_from IS NULL AND b.signed_on IS NULL THEN 'unknown' "
        "ELSE 'in_force' END"
    )
    chosen_status = list(active.get("status", []))
    sql = (
        "WITH latest AS (SELECT lineage_id, max(version_number) AS newest, "
        "max(version_number) FILTER (WHERE (valid_from IS NULL AND signed_on IS NULL) "
        "OR valid_from <= %(today)s OR (valid_from IS NULL AND signed_on <= %(today)s)) "
        f"AS started_newest FROM {agreements} WHERE publication = %(published)s "
        "GROUP BY lineage_id), "
        "s AS (SELECT b.*, b.version_number = latest.newest AS is_latest, "
        f"{status_sql} AS legal_status FROM (%(base)s) b "
        "JOIN latest ON latest.lineage_id = b.lineage_id), "
        "m AS MATERIALIZED (SELECT s.*, s.legal_status = ANY(%(status)s) AS f_status FROM s) "
        + " UNION ALL ".join(f"({branch})" for branch in branches)
    )
    # The base query's own placeholders come first; name ours apart from them.
    sql = (
        sql.replace("%(today)s", "%s")
        .replace("%(published)s", "%s")
        .replace("%(status)s", "%s")
        .replace("%(base)s", base_sql)
    )
    params = (
        today,  # started_newest: valid_from <= today
        today,  # started_newest: signed_on <= today
        Publication.PUBLISHED,
        today,  # expired
        today,  # upcoming: valid_from
        today,  # upcoming: signed_on
        *params,
        chosen_status,
    )
    rows: dict[str, list[tuple[str, str, int]]] = {facet: [] for facet in _FACET_SQL}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for facet, key, label, count in cursor.fetchall():
            rows[facet].append((key, label, count))

    facets = {}
    choices = {
        "level": Level.choices,
        "organisation_kind": OrganisationKind.choices,
        "status": STATUS_CHOICES,
    }
    for facet, found in rows.items():
        if facet in choices:
            counts = {key: count for key, _label, count in found}
            facets[facet] = [
                FacetCount(value, str(label), counts[value])
                for value, label in choices[facet]
                if value in counts
            ]
        elif facet == "year":
            facets[facet] = sorted(
                (FacetCount(key, label, count) for key, label, count in found),
                key=lambda f: -int(f.value),
            )
        elif facet == "organisation":
            facets[facet] = sorted(
                (FacetCount(key, label, count) for key, label, count in found),
                key=lambda f: (-f.count, swedish_sort_key(f.label)),
            )
        elif facet == "municipality":
            facets[facet] = sorted(
                (FacetCount(key, label, count) for key, label, count in found),
                key=lambda f: swedish_sort_key(f.label),
            )
        elif facet == "good_example":
            facets[facet] = [FacetCount("true", "Gott exempel", c) for _k, _l, c in found if c]
        else:  # county, theme, target group: in the order the SQL grouped them
            facets[facet] = [FacetCount(key, label, count) for key, label, count in found]
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
    # Every version of this agreement, as a list: the planner then uses the foreign keys'
    # indexes instead of scanning the table.
    versions = list(Agreement.objects.filter(lineage_id=lineage).values_list("pk", flat=True))
    rows = list(
        current.filter(
            Q(parent_id__in=versions)
            | Q(annex_to_id__in=versions)
            | Q(based_on_id__in=versions)
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
