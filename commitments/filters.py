import django_filters
from django.db.models import Q

from actors.filters import CountyFilter, MunicipalityFilter, OrganisationFilter
from actors.models import OrganisationKind
from agreements.filters import VersionsFilterSet
from agreements.models import Level
from commitments.models import Commitment, Phase
from registry.filters import IdFilter


class CommitmentFilterSet(VersionsFilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Sök", help_text="Ord i rubriken eller texten."
    )
    theme = django_filters.CharFilter(
        field_name="themes__slug", label="Tema", help_text="Temats kortnamn, t.ex. sfi."
    )
    target_group = django_filters.CharFilter(
        field_name="target_groups__slug", label="Målgrupp", help_text="Målgruppens kortnamn."
    )
    organisation = OrganisationFilter("party__organisation", distinct=False)
    organisation_kind = django_filters.MultipleChoiceFilter(
        field_name="party__organisation__kind",
        choices=OrganisationKind.choices,
        label="Typ av part",
    )
    county = CountyFilter("agreement__county", distinct=False)
    municipality = MunicipalityFilter(
        "agreement__municipalities",
        distinct=False,
        help_text="Kommunens kod eller kortnamn: åtaganden i överenskommelser för kommunen.",
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
