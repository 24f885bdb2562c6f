from django.contrib.postgres.aggregates import StringAgg
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from actors.api import OrganisationSummarySerializer, ResponsibleContactField
from agreements.api import AGREEMENT_OF_ROW_COLUMNS, ORG_KINDS, AgreementLinkSerializer
from agreements.models import Agreement
from commitments.document import COMMITMENT
from commitments.filters import CommitmentFilterSet
from commitments.models import Commitment, Phase
from registry.api import ExportMixin, PublicCacheMixin
from registry.exports import CODE, LABEL, Column


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
        Column("id", _("id"), "id", CODE),
        *AGREEMENT_OF_ROW_COLUMNS,
        Column("organisation", _("part"), "party__organisation__name"),
        Column("organisation_slug", _("partens kortnamn"), "party__organisation__slug", CODE),
        Column(
            "organisation_kind_label",
            _("partens typ"),
            "party__organisation__kind",
            LABEL,
            ORG_KINDS,
        ),
        Column("organisation_kind", _("partens typkod"), "party__organisation__kind", CODE),
        Column("heading", _("rubrik"), "heading"),
        Column("text", _("åtagande"), "text"),
        Column("theme_names", _("teman"), "theme_names"),
        Column("themes", _("temakoder"), "theme_slugs", CODE),
        Column("target_group_names", _("målgrupper"), "target_group_names"),
        Column("target_groups", _("målgruppskoder"), "target_group_slugs", CODE),
        Column("phase_label", _("fas"), "phase", LABEL, Phase.choices),
        Column("phase", _("faskod"), "phase", CODE),
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
            theme_names=StringAgg("themes__name", ", ", distinct=True, order_by="themes__name"),
            theme_slugs=StringAgg("themes__slug", ", ", distinct=True, order_by="themes__slug"),
            target_group_names=StringAgg(
                "target_groups__name", ", ", distinct=True, order_by="target_groups__name"
            ),
            target_group_slugs=StringAgg(
                "target_groups__slug", ", ", distinct=True, order_by="target_groups__slug"
            ),
        )
