from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.defaults import page_not_found


def not_found(request, exception):
    """The API answers in JSON also for addresses that match no route."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Adressen finns inte i API:t."}, status=404)
    return page_not_found(request, exception)


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
        "Allow: /",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
