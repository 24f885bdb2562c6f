from django.urls import path

from agreements import feeds, files, views

app_name = "agreements"

urlpatterns = [
    path("", views.home, name="home"),
    path("overenskommelser/", views.catalogue, name="catalogue"),
    path("overenskommelser/flode.atom", feeds.AgreementFeed(), name="feed"),
    path("overenskommelser/<slug:slug>/", views.agreement_detail, name="detail"),
    path(
        "overenskommelser/<slug:slug>/bilagor/<int:pk>/",
        files.attachment_file,
        name="attachment",
    ),
    path(
        "overenskommelser/<slug:slug>/version/<int:number>/",
        views.agreement_version,
        name="version",
    ),
    path("overenskommelser/<slug:slug>/jamfor/", views.agreement_compare, name="compare"),
    path(
        "overenskommelser/<slug:slug>/jamfor/<int:old>/<int:new>/",
        views.agreement_diff_view,
        name="diff",
    ),
]
