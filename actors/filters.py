import django_filters

from actors.models import Municipality, Organisation, OrganisationKind
from registry.filters import StrictBooleanFilter


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Sök", help_text="Del av namnet eller förkortningen."
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, label="Typ", help_text="Organisationstyp; flera går."
    )
    county = django_filters.CharFilter(
        field_name="county__code", label="Län", help_text="Länskod, till exempel 25."
    )
    municipality = django_filters.CharFilter(
        field_name="municipality__code", label="Kommun", help_text="Kommunkod, till exempel 2580."
    )
    active = StrictBooleanFilter(
        method="filter_active", label="Finns kvar", help_text="true: bara verksamma i dag."
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "county", "municipality", "active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(abbreviation__iexact=value)

    def filter_active(self, queryset, name, value):
        return queryset.filter(active_until__isnull=value)


class MunicipalityFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(
        field_name="county__code", label="Län", help_text="Länskod, till exempel 25."
    )

    class Meta:
        model = Municipality
        fields = ["county"]
