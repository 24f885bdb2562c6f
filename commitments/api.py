from django.contrib.postgres.aggregates import StringAgg
from rest_framework import serializers, viewsets

from actors.api import OrganisationSummarySerializer
from agreements.api import AgreementLinkSerializer
from agreements.models import Agreement
from commitments.filters import CommitmentFilterSet
from commitments.models import Commitment
from registry.api import ExportMixin, PublicCacheMixin


class CommitmentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment-detail")
    agreement = AgreementLinkSerializer(read_only=True)
    organisation = OrganisationSummarySerializer(source="party.organisation", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    target_groups = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "url",
            "agreement",
            "organisation",
            "heading",
            "text",
            "themes",
            "target_groups",
            "phase",
            "period_start",
            "period_end",
            "deadline",
            "activity_how",
            "activity_when",
            "activity_followup",
        ]


class CommitmentViewSet(PublicCacheMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Parternas åtaganden i publicerade överenskommelser, med teman och målgrupper."""

    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilterSet
    ordering_fields = ["id", "heading"]
    ordering = ["id"]
    export_name = "ataganden"
    export_columns = [
        ("id", "id"),
        ("överenskommelse", "agreement__title"),
        ("överenskommelsens kortnamn", "agreement__lineage__slug"),
        ("version", "agreement__version_number"),
        ("län", "agreement__county__code"),
        ("part", "party__organisation__name"),
        ("partens typ", "party__organisation__kind"),
        ("rubrik", "heading"),
        ("åtagande", "text"),
        ("teman", "theme_slugs"),
        ("målgrupper", "target_group_slugs"),
        ("fas", "phase"),
    ]

    def get_queryset(self):
        return (
            Commitment.objects.filter(agreement__in=Agreement.objects.visible_to(self.request.user))
            .select_related("agreement__lineage", "party__organisation")
            .prefetch_related("themes", "target_groups")
        )

    def export_rows(self, queryset):
        return (
            queryset.order_by("pk")
            .prefetch_related(None)
            .annotate(
                theme_slugs=StringAgg("themes__slug", ", ", distinct=True),
                target_group_slugs=StringAgg("target_groups__slug", ", ", distinct=True),
            )
            .values(*[key for _, key in self.export_columns])
            .iterator(chunk_size=2000)
        )
