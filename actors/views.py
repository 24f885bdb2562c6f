from collections.abc import Callable

from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from actors import selectors
from actors.forms import CountingForm
from actors.maps import outline_of, svg_map
from actors.models import County, Municipality, Organisation
from agreements.catalogue_index import CatalogueIndex, catalogue_index
from agreements.coverage import CoverageState
from agreements.page_cache import public_kept


def _kept_body(
    request, name: str, context: Callable[[CatalogueIndex], dict], *, errors: bool = False
) -> str:
    """The page's body (`actors/<name>_body.html`, its `context` computed with the catalogue's
    index), kept under the index's state and the page cache's generation (public_kept): it
    shows only published agreements, their coverage and follow-ups and reception figures, all
    of which move one of the two. A form with errors is rendered each time."""
    index = catalogue_index()

    def body() -> str:
        return render_to_string(f"actors/{name}_body.html", context(index))

    if errors:
        return body()
    return public_kept(index=index, key=f"{name}:{request.get_full_path()}", compute=body)


def _counting_form(request) -> CountingForm:
    form = CountingForm(request.GET)
    form.is_valid()
    return form


def _county_map(overview: selectors.CountyOverview):
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
    outline = outline_of(
        Municipality.objects.filter(
            pk__in=[row.municipality.pk for row in overview.coverage]
        ).order_by("code")
    )
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
    form = _counting_form(request)
    choice = form.choice()
    shown = choice.counting.county_of(county)
    if shown != county:  # a former county: today's county, or the one it was part of that day
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(reverse("actors:county", kwargs={"slug": shown.slug}) + query)

    def context(index: CatalogueIndex) -> dict:
        overview = selectors.county_overview(county=county, choice=choice, index=index)
        return {
            "county": county,
            "form": form,
            "overview": overview,
            "map": _county_map(overview),
            "query": urlencode(choice.as_query()),
        }

    return render(
        request,
        "actors/county.html",
        {
            "county": county,
            "body": _kept_body(request, "county", context, errors=bool(form.errors)),
            "canonical_path": request.path,
        },
        status=400 if form.errors else 200,
    )


def _national_map(summaries: list[selectors.CountySummary], choice):
    """Today's counties drawn from their own boundaries; the counties of a chosen day from
    the municipalities that lay in each then (a former county has no boundary of its own)."""
    regions = []
    for summary in summaries:
        label = _(
            "%(name)s: %(covered)s av %(total)s kommuner har en lokal överenskommelse som "
            "gäller; %(unknown)s har en med okänd giltighet"
        ) % {
            "name": summary.county.name,
            "covered": summary.covered,
            "total": summary.municipalities,
            "unknown": summary.validity_unknown,
        }
        keys = summary.municipality_slugs if choice.is_then else [summary.county.slug]
        regions += [(key, label, share_class(summary)) for key in keys]
    if choice.is_then:
        areas = Municipality.objects.order_by("code")
    else:
        areas = County.objects.order_by("code")
    return svg_map(outline_of(areas, target_units=700), regions)


def national(request):
    form = _counting_form(request)
    choice = form.choice()

    def context(index: CatalogueIndex) -> dict:
        summaries = selectors.national_overview(choice=choice, index=index)
        totals = {
            "municipalities": sum(s.municipalities for s in summaries),
            "covered": sum(s.covered for s in summaries),
            "validity_unknown": sum(s.validity_unknown for s in summaries),
            "local": sum(s.local_count for s in summaries),
        }
        return {
            "form": form,
            "choice": choice,
            "summaries": summaries,
            "totals": totals,
            "map": _national_map(summaries, choice),
            "query": urlencode(choice.as_query()),
        }

    return render(
        request,
        "actors/national.html",
        {
            "body": _kept_body(request, "national", context, errors=bool(form.errors)),
            "canonical_path": request.path,
        },
        status=400 if form.errors else 200,
    )


def municipality_detail(request, slug):
    municipality = get_object_or_404(
        Municipality.objects.select_related("county").defer("geometry", "county__geometry"),
        slug=slug,
    )

    def context(index: CatalogueIndex) -> dict:
        overview = selectors.municipality_overview(municipality=municipality, index=index)
        return {"municipality": municipality, "overview": overview}

    return render(
        request,
        "actors/municipality.html",
        {
            "municipality": municipality,
            "body": _kept_body(request, "municipality", context),
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
