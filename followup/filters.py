import django_filters

from followup.models import FollowUp, ReceptionFigure
from registry.filters import IdFilter, YearFilter


class FollowUpFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(
        field_name="agreement__county__code", label="Län", help_text="Länskod, t.ex. 25."
    )
    year = YearFilter(label="År")
    agreement = IdFilter(field_name="agreement_id", label="Överenskommelse")

    class Meta:
        model = FollowUp
        fields = ["county", "year", "agreement"]


class ReceptionFigureFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(
        field_name="municipality__county__code", label="Län", help_text="Länskod, t.ex. 25."
    )
    municipality = django_filters.CharFilter(
        field_name="municipality__code", label="Kommun", help_text="Kommunkod, t.ex. 2580."
    )
    year = YearFilter(label="År")

    class Meta:
        model = ReceptionFigure
        fields = ["county", "municipality", "year"]
