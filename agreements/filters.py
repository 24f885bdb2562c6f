import django_filters
from django.db.models import Q

from actors.models import OrganisationKind
from agreements.models import Agreement, Kind, LegalStatus, Level
from registry.filters import StrictBooleanFilter, YearFilter


class AgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Sök", help_text="Fritext.")
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, label="Nivå")
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, label="Typ")
    county = django_filters.CharFilter(
        field_name="county__code", label="Län", help_text="Länskod, till exempel 25."
    )
    municipality = django_filters.CharFilter(
        field_name="municipalities__code", label="Kommun", help_text="Kommunkod, t.ex. 0181."
    )
    organisation = django_filters.CharFilter(
        field_name="parties__organisation__slug",
        label="Organisation",
        help_text="En parts kortnamn, t.ex. arbetsformedlingen.",
    )
    organisation_kind = django_filters.MultipleChoiceFilter(
        field_name="parties__organisation__kind",
        choices=OrganisationKind.choices,
        label="Typ av part",
        distinct=True,
    )
    theme = django_filters.CharFilter(field_name="themes__slug", label="Tema")
    target_group = django_filters.CharFilter(field_name="target_groups__slug", label="Målgrupp")
    status = django_filters.ChoiceFilter(
        choices=LegalStatus.choices, method="filter_status", label="Status"
    )
    year_signed = YearFilter(field_name="signed_on__year", label="År undertecknad")
    good_example = StrictBooleanFilter(field_name="is_good_example", label="Gott exempel")

    class Meta:
        model = Agreement
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(alias__icontains=value))

    def filter_status(self, queryset, name, value):
        return queryset.with_status().filter(legal_status=value)

    @property
    def qs(self):
        return super().qs.distinct()
