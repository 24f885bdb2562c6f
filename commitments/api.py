from django.contrib.postgres.aggregates import StringAgg
from rest_framework import serializers, viewsets

from actors.api import OrganisationSummarySerializer, ResponsibleContactField
from agreements.api import AgreementLinkSerializer
from agreements.models import Agreement
from commitments.document import COMMITMENT
from commitments.filters import CommitmentFilterSet
from commitments.models import Commitment
from registry.api import ExportMixin, PublicCacheMixin
from registry.exports import Column


class CommitmentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment-detail")
    agreement = AgreementLinkSerializer(read_only=True)
    organisation = OrganisationSummarySerializer(source="party.organisation", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    target_groups = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    responsible_contact = ResponsibleContactField()

    class Meta:
        model = Commitment
        fields = [
            "id",
            "url",
            "agreement",
            "organisation",
            *(name for name in COMMITMENT.fields if name != "party"),
        ]


class CommitmentViewSet(PublicCacheMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Parternas åtaganden i publicerade överenskommelser, med teman och målgrupper."""

    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilterSet
    ordering_fields = ["id", "heading"]
    ordering = ["id"]
    export_name = "ataganden"
    export_columns = [
        Column("id", "id", "id"),
        Column("agreement_title", "överenskommelse", "agreement__title"),
        Column("agreement_slug", "överenskommelsens kortnamn", "agreement__lineage__slug"),
        Column("agreement_version", "version", "agreement__version_number"),
        Column("county", "län", "agreement__county__code"),
        Column("organisation", "part", "party__organisation__name"),
        Column("organisation_kind", "partens typ", "party__organisation__kind"),
        Column("heading", "rubrik", "heading"),
        Column("text", "åtagande", "text"),
        Column("themes", "teman", "theme_slugs"),
        Column("target_groups", "målgrupper", "target_group_slugs"),
        Column("phase", "fas", "phase"),
    ]

    def get_queryset(self):
        return (
            Commitment.objects.filter(agreement__in=Agreement.objects.visible_to(self.request.user))
            .select_related(
                "agreement__lineage", "party__organisation", "responsible_contact__organisation"
            )
            .prefetch_related("themes", "target_groups")
        )

    def export_queryset(self, queryset):
        return queryset.annotate(
            theme_slugs=StringAgg("themes__slug", ", ", distinct=True),
            target_group_slugs=StringAgg("target_groups__slug", ", ", distinct=True),
        )
