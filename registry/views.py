from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control


def is_api_request(request) -> bool:
    """The API (also under /en/) answers its errors in JSON, the pages with a page."""
    return request.path.startswith(("/api/", "/en/api/"))


# The error pages (handler400, handler404, handler500 in registry/urls.py): in the visitor's
# language, never Django's English defaults; the API's in JSON.


def not_found(request, exception):
    """The API answers in JSON also for addresses that match no route."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Adressen finns inte i API:t.")}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request, exception, message: str = ""):
    """A request no page can answer (a malformed address, a forbidden character)."""
    message = message or _("Förfrågan kunde inte tolkas.")
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def server_error(request):
    """Rendered without the request's context: whatever failed may fail again there."""
    if is_api_request(request):
        message = _("Ett oväntat fel uppstod i registret. Försök igen senare.")
        return JsonResponse({"detail": message}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)


def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page links to."""
    return redirect(static("favicon.ico"), permanent=True)


@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Public pages may be indexed; the administration, the API's writing and export paths
    and the search's endless parameter combinations may not. Names the sitemap."""
    sitemap = request.build_absolute_uri(reverse("django.contrib.sitemaps.views.sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Allow: /api/v1/docs/",
        "Allow: /api/v1/redoc/",
        "Disallow: /overenskommelser/pdf.zip",
        "Disallow: /en/overenskommelser/pdf.zip",
        "Disallow: /zip-filer/",
        "Disallow: /en/zip-filer/",
        "Allow: /",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
