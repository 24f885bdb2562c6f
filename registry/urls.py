from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Samverkansregistret – administration"
admin.site.site_title = "Samverkansregistret"
admin.site.index_title = "Registrera och revidera överenskommelser"
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("admin/", admin.site.urls),
    path("statistik/", include("followup.urls")),
    path("api/v1/", include("registry.api_urls")),
    path("", include("agreements.urls")),
]

handler404 = "registry.views.not_found"
