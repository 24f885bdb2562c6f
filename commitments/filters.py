import django_filters
from django.db.models import Q

from actors.models import OrganisationKind
from agreements.models import Level
from commitments.models import Commitment, Phase
from registry.filters import IdFilter


class CommitmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Sök", help_text="Ord i rubriken eller texten."
    )
    theme = django_filters.CharFilter(
        field_name="themes__slug", label="Tema", help_text="Temats kortnamn, t.ex. sfi."
    )
    target_group = django_filters.CharFilter(
        field_name="target_groups__slug", label="Målgrupp", help_text="Målgruppens kortnamn."
    )
    organisation = django_filters.CharFilter(
        field_name="party__organisation__slug",
        label="Organisation",
        help_text="Den åtagande partens kortnamn, t.ex. migrationsverket.",
    )
    organisation_kind = django_filters.MultipleChoiceFilter(
        field_name="party__organisation__kind",
        choices=OrganisationKind.choices,
        label="Typ av part",
    )
    county = django_filters.CharFilter(
        field_name="agreement__county__code", label="Län", help_text="Länskod, t.ex. 25."
    )
    level = django_filters.MultipleChoiceFilter(
        field_name="agreement__level", choices=Level.choices, label="Nivå"
    )
    phase = django_filters.ChoiceFilter(choices=Phase.choices, label="Fas")
    agreement = IdFilter(
        field_name="agreement_id", label="Överenskommelse", help_text="Överenskommelsens id."
    )

    class Meta:
        model = Commitment
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(heading__icontains=value) | Q(text__icontains=value))

    @property
    def qs(self):
        return super().qs.distinct()
