from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from agreements import pdf_urls
from agreements import urls as agreement_urls
from agreements.sitemaps import SITEMAPS
from registry import views
from registry.admin_shortcut import admin_view_on_site

admin.site.site_header = "Samverkansregistret – administration"
admin.site.site_title = "Samverkansregistret"
admin.site.index_title = "Registrera och revidera överenskommelser"
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # Before the admin's own route of the same address, which checks no scope.
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(admin_view_on_site),
    ),
    path("admin/", admin.site.urls),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]
# Swedish at /, English at /en/. Swedish whatever the browser asks for (LocaleMiddleware
# uses LANGUAGE_CODE for addresses without a prefix). The PDF addresses live in
# agreements/pdf_urls.py but share the agreements namespace. The API too: /en/api/v1/ gives
# the exports' headings and labels in English (the data itself is as registered). The statistics'
# figures and labels are Swedish in both languages (marked lang="sv"); the page around them is
# translated.
urlpatterns += i18n_patterns(
    path("api/v1/", include("registry.api_urls")),
    path("", include((agreement_urls.urlpatterns + pdf_urls.urlpatterns, agreement_urls.app_name))),
    path("", include("actors.urls")),
    path("", include("commitments.urls")),
    path("statistik/", include("followup.urls")),
    prefix_default_language=False,
)

# Error pages in the visitor's language (JSON under the API), never Django's English defaults.
handler400 = "registry.views.bad_request"
handler404 = "registry.views.not_found"
handler500 = "registry.views.server_error"
