from django.contrib import admin
from django.urls import include, path

from agreements import pdf_urls
from agreements import urls as agreement_urls

admin.site.site_header = "Samverkansregistret – administration"
admin.site.site_title = "Samverkansregistret"
admin.site.index_title = "Registrera och revidera överenskommelser"
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("admin/", admin.site.urls),
    path("statistik/", include("followup.urls")),
    path("api/v1/", include("registry.api_urls")),
    # The PDF addresses live in agreements/pdf_urls.py but share the agreements namespace.
    path(
        "",
        include(
            (agreement_urls.urlpatterns + pdf_urls.urlpatterns, agreement_urls.app_name),
        ),
    ),
]

handler404 = "registry.views.not_found"
