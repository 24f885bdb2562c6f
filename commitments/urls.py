from django.urls import path

from commitments import views

app_name = "commitments"

urlpatterns = [
    path("teman/", views.theme_list, name="theme_list"),
    path("teman/<slug:slug>/", views.theme_detail, name="theme"),
]
