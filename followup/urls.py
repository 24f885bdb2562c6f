from django.urls import path

from followup import views

app_name = "statistics"

urlpatterns = [
    path("", views.statistics_section, name="index"),
    path("<slug:section>.json", views.statistics_json, name="json"),
    path("<slug:section>/<slug:table>.csv", views.statistics_csv, name="csv"),
    path("<slug:section>/", views.statistics_section, name="section"),
]
