from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from actors.api import CountyViewSet, MunicipalityViewSet, OrganisationViewSet
from agreements.api import AgreementViewSet, PartyViewSet
from commitments.api import CommitmentViewSet
from followup.api import FollowUpViewSet, ReceptionFigureViewSet
from registry.api import export_path

router = DefaultRouter()
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("parties", PartyViewSet, basename="party")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("followups", FollowUpViewSet, basename="followup")
router.register("reception-figures", ReceptionFigureViewSet, basename="receptionfigure")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("counties", CountyViewSet, basename="county")
router.register("municipalities", MunicipalityViewSet, basename="municipality")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    export_path("agreements", AgreementViewSet),
    export_path("parties", PartyViewSet),
    export_path("commitments", CommitmentViewSet),
    export_path("followups", FollowUpViewSet),
    path("", include(router.urls)),
]
