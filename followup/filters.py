import django_filters

from actors.filters import CountyFilter, MunicipalityFilter, OrganisationFilter
from followup.models import FollowUp, ReceptionFigure
from registry.filters import IdFilter, YearFilter


class FollowUpFilterSet(django_filters.FilterSet):
    county = CountyFilter("agreement__county", distinct=False)
    municipality = MunicipalityFilter("agreement__municipalities")
    organisation = OrganisationFilter(
        "agreement__parties__organisation",
        help_text="Kortnamn eller organisationsnummer för en part i den uppföljda "
        "överenskommelsen.",
    )
    year = YearFilter(label="År")
    agreement = IdFilter(field_name="agreement_id", label="Överenskommelse")

    class Meta:
        model = FollowUp
        fields = ["county", "municipality", "organisation", "year", "agreement"]


class ReceptionFigureFilterSet(django_filters.FilterSet):
    county = CountyFilter("municipality__county", distinct=False)
    municipality = MunicipalityFilter("municipality", distinct=False)
    year = YearFilter(label="År")

    class Meta:
        model = ReceptionFigure
        fields = ["county", "municipality", "year"]
