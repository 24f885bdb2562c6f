from django.urls import path

from agreements import files, views

app_name = "agreements"

urlpatterns = [
    path("", views.home, name="home"),
    path("overenskommelser/<slug:slug>/", views.agreement_detail, name="detail"),
    path(
        "overenskommelser/<slug:slug>/bilagor/<int:pk>/",
        files.attachment_file,
        name="attachment",
    ),
]
