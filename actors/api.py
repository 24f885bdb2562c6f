from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from actors.document import CONTACT
from actors.filters import MunicipalityFilterSet, OrganisationFilterSet
from actors.models import County, Municipality, Organisation
from registry.api import PublicCacheMixin


class CountySummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:county-detail", lookup_field="code")

    class Meta:
        model = County
        fields = ["code", "letter_code", "name", "url"]


class MunicipalitySummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:municipality-detail", lookup_field="code"
    )

    class Meta:
        model = Municipality
        fields = ["code", "name", "url"]


class CountySerializer(CountySummarySerializer):
    municipalities = MunicipalitySummarySerializer(many=True, read_only=True)

    class Meta(CountySummarySerializer.Meta):
        fields = [*CountySummarySerializer.Meta.fields, "slug", "municipalities"]


class MunicipalitySerializer(MunicipalitySummarySerializer):
    county = CountySummarySerializer(read_only=True)

    class Meta(MunicipalitySummarySerializer.Meta):
        fields = [*MunicipalitySummarySerializer.Meta.fields, "slug", "county"]


class OrganisationSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["slug", "name", "abbreviation", "kind", "url"]


class OrganisationSerializer(OrganisationSummarySerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    municipality = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    parent = OrganisationSummarySerializer(read_only=True, allow_null=True)
    successor = OrganisationSummarySerializer(read_only=True, allow_null=True)

    class Meta(OrganisationSummarySerializer.Meta):
        fields = [
            *OrganisationSummarySerializer.Meta.fields,
            "organisation_number",
            "county",
            "municipality",
            "parent",
            "successor",
            "active_from",
            "active_until",
        ]


class ResponsibleContactField(serializers.Field):
    """A commitment's responsible contact as the document writes one: for everybody when the
    person is marked public, otherwise only for staff who may change the agreement (so that
    what they read can be written back without losing the person)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def get_attribute(self, commitment):
        from agreements import policy

        contact = commitment.responsible_contact
        request = self.context.get("request")
        if contact is None or contact.is_public:
            return contact
        if request is not None and policy.may_change_agreement(request.user, commitment.agreement):
            return contact
        return None

    def to_representation(self, contact):
        return CONTACT.dump(contact)


class CountyViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet):
    """Sveriges 21 län med SCB:s koder och deras kommuner."""

    queryset = County.objects.prefetch_related(
        Prefetch("municipalities", queryset=Municipality.objects.order_by("code"))
    ).order_by("code")
    serializer_class = CountySerializer
    lookup_field = "code"
    pagination_class = None
    ordering_fields = ["code", "name"]


class MunicipalityViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet):
    """Sveriges 290 kommuner med SCB:s koder."""

    queryset = Municipality.objects.select_related("county").order_by("code")
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "name"]


class OrganisationViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet):
    """Myndigheter, länsstyrelser, regioner, kommuner och andra parter, med historik
    (verksam från/till, efterträdare, ingår i)."""

    queryset = Organisation.objects.select_related(
        "county", "municipality", "parent", "successor"
    ).order_by("name", "slug")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "slug", "kind"]
