from dataclasses import dataclass

from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements import pdf_views, selectors
from agreements.catalogue_index import catalogue_index
from agreements.diff import agreement_diff
from agreements.filters import Sort
from agreements.models import Agreement
from agreements.page_cache import agreement_article, public_kept
from registry.views import bad_request

FACET_LABELS = {
    "level": _("Nivå"),
    "county": _("Län"),
    "municipality": _("Kommun"),
    "organisation_kind": _("Typ av organisation"),
    "organisation": _("Organisation"),
    "theme": _("Tema"),
    "target_group": _("Målgrupp"),
    "status": _("Status"),
    "year": _("Undertecknad år"),
    "good_example": _("Gott exempel"),
}
# Facets shown open when nothing in them is chosen; the others start folded.
OPEN_FACETS = ("level", "county", "status")
# Values shown before "Visa fler", and at most in all (the most frequent first; chosen
# values always). Organisations and municipalities can run into the hundreds.
FACET_VISIBLE = 8
FACET_MAX = 60


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    input_id: str
    remove_url: str


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    more: list[FacetValue]
    hidden: int = 0

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values + self.more if v.selected]

    @property
    def is_open(self) -> bool:
        return self.name in OPEN_FACETS or bool(self.selected)


def _query_without(params: QueryDict, name: str, value: str | None = None) -> str:
    query = params.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [v for v in query.getlist(name) if v != value])
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _facets(result: selectors.CatalogueResult, params: QueryDict) -> list[Facet]:
    facets = []
    for name, label in FACET_LABELS.items():
        chosen = set(params.getlist(name))
        counted = result.facets.get(name, [])
        found = {item.value for item in counted}
        # A chosen value that no longer matches anything stays visible, with 0.
        valid = {str(getattr(v, "slug", v)) for v in result.filterset.selected(name)}
        missing = sorted(chosen & valid - found)
        if len(counted) + len(missing) > FACET_MAX:
            ranked = sorted(counted, key=lambda item: (item.value not in chosen, -item.count))
            keep = {id(item) for item in ranked[: max(FACET_MAX - len(missing), 0)]}
            shown = [item for item in counted if id(item) in keep]
        else:
            shown = counted
        hidden = len(counted) - len(shown)
        translated = name in ("level", "status", "organisation_kind", "year")
        values = [
            FacetValue(
                value=item.value,
                label=_(item.label) if translated else item.label,
                count=item.count,
                selected=item.value in chosen,
                input_id=f"f-{name}-{item.value}",
                remove_url=_query_without(params, name, item.value) if item.value in chosen else "",
            )
            for item in shown
        ]
        values += [
            FacetValue(
                value, value, 0, True, f"f-{name}-{value}", _query_without(params, name, value)
            )
            for value in missing
        ]
        if not values:
            continue
        values.sort(key=lambda v: not v.selected)
        facets.append(Facet(name, label, values[:FACET_VISIBLE], values[FACET_VISIBLE:], hidden))
    return facets


def _selected_labels(facets: list[Facet]) -> list[tuple[str, FacetValue]]:
    return [(facet.label, value) for facet in facets for value in facet.selected]


def home(request):
    return render(request, "home.html", selectors.home_overview())


def _export_links(params) -> list[tuple[str, str]]:
    """The API's exports of the same selection (the API reads the same FilterSet)."""
    query = params.urlencode()
    links = []
    for label, file_format, extra in [
        (_("CSV för svensk Excel (semikolon)"), "csv", "delimiter=;"),
        (_("CSV (komma)"), "csv", ""),
        (_("Excel (XLSX)"), "xlsx", ""),
        (_("JSON"), "json", ""),
    ]:
        url = reverse("api:agreements-export", kwargs={"file_format": file_format})
        parts = "&".join(part for part in (query, extra) if part)
        links.append((label, f"{url}?{parts}" if parts else url))
    return links


def _zip_url(params: QueryDict, result: selectors.CatalogueResult) -> str | None:
    """The PDFs of the same selection as one ZIP: the catalogue's own parameters (the ZIP
    reads the same FilterSet), without the page. None when there is nothing to download, more
    than the ZIP holds, or a value the catalogue skipped (the ZIP refuses it)."""
    if result.filterset.errors or not 0 < result.count <= pdf_views.ZIP_MAX_AGREEMENTS:
        return None
    query = params.copy()
    query.pop("page", None)
    url = reverse("agreements:pdf_zip")
    return f"{url}?{query.urlencode()}" if query else url


@dataclass(frozen=True)
class CataloguePage:
    """One address of the catalogue as rendered: the same for every reader while the
    catalogue's index stays the same, so it is kept under the index (page_cache)."""

    content: str
    query: str
    count_text: str
    feed_url: str
    status: int


def _catalogue_page(request, index) -> CataloguePage:
    params = request.GET
    result = selectors.catalogue_search(
        params=params, page_number=params.get("page") or 1, index=index
    )
    facets = _facets(result, params)
    filterset = result.filterset
    feed_params = params.copy()
    for name in ("page", "sort"):
        feed_params.pop(name, None)
    count_text = ngettext(
        "%(count)s överenskommelse", "%(count)s överenskommelser", result.count
    ) % {"count": result.count}
    feed_url = reverse("agreements:feed") + (f"?{feed_params.urlencode()}" if feed_params else "")
    content = render_to_string(
        "agreements/includes/catalogue_content.html",
        {
            "result": result,
            "page": result.page,
            "agreements": result.agreements,
            "facets": facets,
            "selected": _selected_labels(facets),
            "query": filterset.query,
            # What the visitor typed, also when it was refused (too many words).
            "typed_query": params.get("q", ""),
            # The form keeps the visitor's own choice; by default relevance, which orders by
            # title until there are search words, so a new search is ranked.
            "sort": params.get("sort")
            if params.get("sort") in dict(Sort.CHOICES)
            else Sort.RELEVANCE,
            "sort_choices": Sort.CHOICES,
            "errors": filterset.errors,
            "count_text": count_text,
            "feed_url": feed_url,
            "export_links": _export_links(feed_params),
            "zip_url": _zip_url(params, result),
            "zip_max": pdf_views.ZIP_MAX_AGREEMENTS,
            "clear_url": reverse("agreements:catalogue"),
        },
        request=request,  # the page links keep the other parameters ({% querystring %})
    )
    return CataloguePage(
        content=content,
        query=filterset.query,
        count_text=count_text,
        feed_url=feed_url,
        # A value that names nothing (county=atlantis) is the visitor's error, said on the page.
        status=400 if filterset.errors else 200,
    )


def catalogue(request):
    index = catalogue_index()
    page = public_kept(
        index=index,
        key=f"catalogue:{request.get_full_path()}",
        compute=lambda: _catalogue_page(request, index),
    )
    return render(
        request,
        "agreements/catalogue.html",
        {
            "content": page.content,
            "query": page.query,
            "count_text": page.count_text,
            "feed_url": page.feed_url,
            "canonical_path": _canonical_catalogue_path(request.GET),
        },
        status=page.status,
    )


def _canonical_catalogue_path(params: QueryDict) -> str:
    """The catalogue's address with its parameters in one order, without empty ones."""
    query = QueryDict(mutable=True)
    for name in sorted(params):
        if name == "page" and params.get(name) in ("", "1"):
            continue
        values = sorted(v for v in params.getlist(name) if v)
        if values:
            query.setlist(name, values)
    encoded = query.urlencode()
    return reverse("agreements:catalogue") + (f"?{encoded}" if encoded else "")


def _agreement_page(request, *, slug, number=None):
    page = selectors.agreement_page(slug=slug, number=number)
    if page is None:
        raise Http404(_("Överenskommelsen finns inte eller är inte publicerad."))

    def render_article() -> str:
        try:
            context = selectors.agreement_article_context(page)
        except Agreement.DoesNotExist:  # unpublished a moment ago
            raise Http404(_("Överenskommelsen finns inte eller är inte publicerad.")) from None
        return render_to_string("agreements/detail_article.html", context)

    agreement = page.agreement
    return render(
        request,
        "agreements/detail.html",
        {
            "agreement": agreement,
            "is_latest": page.is_latest,
            "article": agreement_article(
                agreement=agreement, versions=page.versions, render=render_article
            ),
            "canonical_path": agreement.get_absolute_url()
            if page.is_latest
            else agreement.get_version_url(),
        },
    )


def agreement_detail(request, slug):
    return _agreement_page(request, slug=slug)


def agreement_version(request, slug, number):
    return _agreement_page(request, slug=slug, number=number)


def agreement_compare(request, slug):
    """The version picker's form: GET ?from=1&to=2 → the comparison's own address."""
    try:
        old, new = int(request.GET.get("from", "")), int(request.GET.get("to", ""))
    except ValueError:
        return redirect("agreements:detail", slug=slug)
    return _compare_redirect(request, slug=slug, old=old, new=new)


def _compare_redirect(request, *, slug: str, old: int, new: int):
    """The comparison of two published versions of the agreement; a number that is not one
    of them (typed into the address: -1, 0, 10**30) is a 400 that names the versions."""
    numbers = selectors.agreement_version_numbers(slug=slug)
    if not numbers:
        raise Http404(_("Överenskommelsen finns inte eller är inte publicerad."))
    if old not in numbers or new not in numbers:
        message = _(
            "Det finns ingen sådan version att jämföra. Välj två av överenskommelsens "
            "publicerade versioner: %(numbers)s."
        ) % {"numbers": ", ".join(str(number) for number in numbers)}
        return bad_request(request, None, message=message)
    return redirect("agreements:diff", slug=slug, old=old, new=new)


def agreement_diff_view(request, slug, old, new):
    try:
        before, after = selectors.agreement_pair_for_diff(slug=slug, old=old, new=new)
    except Agreement.DoesNotExist:
        raise Http404(_("Någon av versionerna finns inte eller är inte publicerad.")) from None
    versions = selectors.agreement_versions(agreement=after)
    return render(
        request,
        "agreements/diff.html",
        {
            "diff": agreement_diff(before, after),
            "agreement": after,
            "versions": versions,
            "latest": versions[-1],
            "canonical_path": request.path,
        },
    )
