from django.urls import path

from actors import views

app_name = "actors"

urlpatterns = [
    path("lan/", views.national, name="national"),
    path("lan/<slug:slug>/", views.county_detail, name="county"),
    path("kommuner/<slug:slug>/", views.municipality_detail, name="municipality"),
    path("organisationer/<slug:slug>/", views.organisation_detail, name="organisation"),
]
