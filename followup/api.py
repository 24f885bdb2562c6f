from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from actors.api import MunicipalitySummarySerializer, OrganisationSummarySerializer
from agreements.api import AGREEMENT_OF_ROW_COLUMNS, AgreementLinkSerializer, AssessmentSerializer
from agreements.models import Agreement
from followup.filters import FollowUpFilterSet, ReceptionFigureFilterSet
from followup.models import FollowUp, FollowUpState, ReceptionFigure
from registry.api import ExportMixin, PublicCacheMixin
from registry.exports import BOOLEAN, CODE, LABEL, Column


class FollowUpSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:followup-detail")
    agreement = AgreementLinkSerializer(read_only=True)
    responsible_organisation = OrganisationSummarySerializer(read_only=True, allow_null=True)
    assessments = AssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "url",
            "agreement",
            "year",
            "held_on",
            "method",
            "responsible_organisation",
            "summary",
            "conclusions",
            "revision_recommended",
            "state",
            "completed_at",
            "assessments",
        ]


class FollowUpViewSet(PublicCacheMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Avslutade uppföljningar av publicerade överenskommelser, med bedömningen av varje
    åtagande."""

    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet
    ordering_fields = ["year", "id"]
    ordering = ["-year", "id"]
    export_name = "uppfoljningar"
    export_columns = [
        Column("id", _("id"), "id", CODE),
        *AGREEMENT_OF_ROW_COLUMNS,
        Column("year", _("år"), "year"),
        Column("held_on", _("genomförd"), "held_on"),
        Column("summary", _("sammanfattning"), "summary"),
        Column("conclusions", _("slutsatser"), "conclusions"),
        Column(
            "revision_recommended", _("revidering rekommenderas"), "revision_recommended", BOOLEAN
        ),
        Column("state_label", _("status"), "state", LABEL, FollowUpState.choices),
        Column("state", _("statuskod"), "state", CODE),
    ]

    def get_queryset(self):
        # Staff also see the follow-ups in progress of the agreements they may change.
        followups = FollowUp.objects.published() | FollowUp.objects.editable_by(self.request.user)
        return followups.select_related(
            "agreement__lineage", "responsible_organisation"
        ).prefetch_related("assessments")


class ReceptionFigureSerializer(serializers.ModelSerializer):
    municipality = MunicipalitySummarySerializer(read_only=True)
    source_agreement = AgreementLinkSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReceptionFigure
        fields = [
            "id",
            "municipality",
            "year",
            "agreed_number",
            "assigned_number",
            "source_agreement",
        ]


class ReceptionFigureViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet):
    """Mottagande enligt överenskommelserna: antal per kommun och år, varav för anvisning.
    Bara siffror ur publicerade överenskommelser (eller utan källa)."""

    serializer_class = ReceptionFigureSerializer
    filterset_class = ReceptionFigureFilterSet
    ordering_fields = ["year", "id"]
    ordering = ["year", "municipality__code", "id"]

    def get_queryset(self):
        published = Agreement.objects.published()
        return (
            ReceptionFigure.objects.filter(source_agreement__in=published)
            | ReceptionFigure.objects.filter(source_agreement__isnull=True)
        ).select_related("municipality", "source_agreement__lineage")
