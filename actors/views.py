from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from actors import selectors
from actors.boundaries import county_today
from actors.maps import outline_of, svg_map
from actors.models import County, Municipality, Organisation
from agreements.coverage import CoverageState


def _county_map(county: County, overview: selectors.CountyOverview):
    labels = {
        CoverageState.IN_FORCE: _("%(name)s: lokal överenskommelse gäller"),
        CoverageState.VALIDITY_UNKNOWN: _("%(name)s: lokal överenskommelse med okänd giltighet"),
        CoverageState.NONE: _("%(name)s: ingen lokal överenskommelse"),
    }
    regions = [
        (
            row.municipality.slug,
            labels[row.coverage.state] % {"name": row.municipality.name},
            row.coverage.state,
        )
        for row in overview.coverage
    ]
    outline = outline_of(Municipality.objects.filter(county=county).order_by("code"))
    return svg_map(outline, regions)


def share_class(summary: selectors.CountySummary) -> str:
    share = summary.share
    if share >= 100:
        return "share-all"
    if share >= 50:
        return "share-most"
    if share > 0:
        return "share-some"
    if summary.validity_unknown:
        return CoverageState.VALIDITY_UNKNOWN
    return "share-none"


def county_detail(request, slug):
    county = get_object_or_404(County.all_objects.defer("geometry"), slug=slug)
    if not county.is_current:  # a former county's agreements link here: today's county
        return redirect("actors:county", slug=county_today(county).slug)
    overview = selectors.county_overview(county=county)
    return render(
        request,
        "actors/county.html",
        {
            "county": county,
            "overview": overview,
            "map": _county_map(county, overview),
            "canonical_path": request.path,
        },
    )


def national(request):
    summaries = selectors.national_overview()
    regions = [
        (
            summary.county.slug,
            _(
                "%(name)s: %(covered)s av %(total)s kommuner har en lokal överenskommelse som "
                "gäller; %(unknown)s har en med okänd giltighet"
            )
            % {
                "name": summary.county.name,
                "covered": summary.covered,
                "total": summary.municipalities,
                "unknown": summary.validity_unknown,
            },
            share_class(summary),
        )
        for summary in summaries
    ]
    totals = {
        "municipalities": sum(s.municipalities for s in summaries),
        "covered": sum(s.covered for s in summaries),
        "validity_unknown": sum(s.validity_unknown for s in summaries),
        "local": sum(s.local_count for s in summaries),
    }
    return render(
        request,
        "actors/national.html",
        {
            "summaries": summaries,
            "totals": totals,
            "map": svg_map(outline_of(County.objects.order_by("code"), target_units=700), regions),
            "canonical_path": request.path,
        },
    )


def municipality_detail(request, slug):
    municipality = get_object_or_404(
        Municipality.objects.select_related("county").defer("geometry", "county__geometry"),
        slug=slug,
    )
    return render(
        request,
        "actors/municipality.html",
        {
            "municipality": municipality,
            "overview": selectors.municipality_overview(municipality=municipality),
            "canonical_path": request.path,
        },
    )


def organisation_detail(request, slug):
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent", "successor", "municipality", "county"),
        slug=slug,
    )
    overview = selectors.organisation_overview(
        organisation=organisation, page_number=request.GET.get("page") or 1
    )
    return render(
        request,
        "actors/organisation.html",
        {
            "organisation": organisation,
            "overview": overview,
            "page": overview.agreements_page,
            "canonical_path": request.path,
        },
    )
