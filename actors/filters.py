"""How a county, a municipality and an organisation are named in every filter of the site and
the API, in one place: a county by its code ("25") or its slug ("norrbottens-lan"), a
municipality by its code, kept as text ("0114"), or its slug ("upplands-vasby"), an
organisation by its slug or its organisation number. A value that names nothing is refused
with a Swedish message that names it (400), never read as "no filter" or as an empty list.

`CountyFilter`, `MunicipalityFilter` and `OrganisationFilter` are the FilterSet filters (one
or several values, any of them); `CountyField` is the form field for one county (the
statistics' form)."""

from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field

from actors.boundaries import county_named
from actors.models import County, Municipality, Organisation, OrganisationKind
from registry.filters import StrictBooleanFilter


@dataclass(frozen=True)
class Naming:
    """Which fields name a row, and how to say that a value names none."""

    keys: tuple[str, ...]
    unknown: str  # with %(value)s
    help_text: str

    def queryset(self, model):
        if model is County or model is Municipality:
            return model.objects.defer("geometry")
        return model.objects.all()

    def find(self, queryset, values: list[str]) -> list:
        """The rows the values name, in one query; ValidationError naming the first value
        that names none."""
        values = [value.strip() for value in values]
        for value in values:
            if not value or "\x00" in value:
                self.refuse(value.replace("\x00", ""))
        matches = Q()
        for key in self.keys:
            matches |= Q(**{f"{key}__in": values})
        rows = list(queryset.filter(matches))
        known = {str(getattr(row, key)) for row in rows for key in self.keys}
        for value in values:
            if value not in known:
                self.refuse(value)
        return rows

    def refuse(self, value: str):
        raise ValidationError(gettext(self.unknown), code="invalid_choice", params={"value": value})


COUNTY = Naming(
    keys=("code", "slug"),
    unknown=gettext_lazy(
        "Det finns inget län som heter ”%(value)s”. Ange länets kod (till exempel 25) eller "
        "kortnamn (till exempel norrbottens-lan)."
    ),
    help_text=gettext_lazy("Länets kod eller kortnamn, till exempel 25 eller norrbottens-lan."),
)
MUNICIPALITY = Naming(
    keys=("code", "slug"),
    unknown=gettext_lazy(
        "Det finns ingen kommun som heter ”%(value)s”. Ange kommunens kod med fyra siffror "
        "(till exempel 0114 eller 2580) eller kortnamn (till exempel lulea)."
    ),
    help_text=gettext_lazy(
        "Kommunens kod med fyra siffror eller kortnamn, till exempel 2580 eller lulea."
    ),
)
ORGANISATION = Naming(
    keys=("slug", "organisation_number"),
    unknown=gettext_lazy(
        "Det finns ingen organisation som heter ”%(value)s”. Ange organisationens kortnamn "
        "(till exempel migrationsverket) eller organisationsnummer."
    ),
    help_text=gettext_lazy(
        "Organisationens kortnamn eller organisationsnummer, till exempel migrationsverket."
    ),
)
NAMINGS = {County: COUNTY, Municipality: MUNICIPALITY, Organisation: ORGANISATION}


class NamedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows, each named by any of its keys. The cleaned value is a QuerySet that has
    already been read (one query for the check and the rows)."""

    def __init__(self, queryset, *, naming: Naming, **kwargs):
        self.naming = naming
        super().__init__(queryset, **kwargs)

    def _check_values(self, value):
        values = [str(v) for v in value]
        rows = self.naming.find(self.queryset, values)
        chosen = self.queryset.filter(pk__in=[row.pk for row in rows])
        chosen._result_cache = rows  # read once: the FilterSet and the page use these rows
        return chosen


class NamedChoiceField(forms.ModelChoiceField):
    """One row, named by any of its keys."""

    def __init__(self, queryset, *, naming: Naming, **kwargs):
        self.naming = naming
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        return self.naming.find(self.queryset, [str(value)])[0]

    def prepare_value(self, value):
        return getattr(value, "slug", value)


class CountyField(NamedChoiceField):
    """One county, by code or slug, of any time since 1995: the statistics' form, which
    offers the counties of its day. A code that a former county shares with today's county
    (12: Malmöhus län, Skåne län) names today's, as in the agreement document
    (actors.boundaries.county_named); a former county is named by its slug."""

    def __init__(self, **kwargs):
        super().__init__(
            County.all_objects.order_by("code").defer("geometry"), naming=COUNTY, **kwargs
        )

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, County):
            return value or None
        return county_named(str(value).strip(), self.naming.find(self.queryset, [str(value)]))


def named_row(model, value: str | None):
    """The row a query parameter names (None when empty); ValidationError when it names none.
    For the pages that read one parameter without a form."""
    if not value:
        return None
    naming = NAMINGS[model]
    return naming.find(naming.queryset(model), [value])[0]


def _schema(naming: Naming, example: str) -> dict:
    """A value in the OpenAPI schema (django-filter's extension makes it a list)."""
    return {
        "type": "string",
        "minLength": 1,
        "example": example,
        "description": f"{naming.help_text} Flera värden: upprepa parametern (något av dem). "
        "Ett värde som inte finns ger 400 med ett svenskt meddelande.",
    }


class NamedFilter(django_filters.ModelMultipleChoiceFilter):
    """One or several rows, named by code, slug or natural key; `field_name` is the path to
    the row (`agreement__county`). Filters by the rows' ids."""

    field_class = NamedMultipleChoiceField
    model = None

    def __init__(self, field_name=None, **kwargs):
        naming = NAMINGS[self.model]
        kwargs.setdefault("queryset", naming.queryset(self.model))
        kwargs.setdefault("help_text", naming.help_text)
        kwargs["naming"] = naming
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        qs = qs.filter(**{f"{self.field_name}__in": [row.pk for row in value]})
        return qs.distinct() if self.distinct else qs


@extend_schema_field(_schema(COUNTY, "norrbottens-lan"))
class CountyFilter(NamedFilter):
    model = County

    def __init__(self, field_name=None, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Län"))
        super().__init__(field_name, **kwargs)


@extend_schema_field(_schema(MUNICIPALITY, "0114"))
class MunicipalityFilter(NamedFilter):
    model = Municipality

    def __init__(self, field_name=None, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Kommun"))
        super().__init__(field_name, **kwargs)


@extend_schema_field(_schema(ORGANISATION, "migrationsverket"))
class OrganisationFilter(NamedFilter):
    model = Organisation

    def __init__(self, field_name=None, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Organisation"))
        super().__init__(field_name, **kwargs)


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label="Sök", help_text="Del av namnet eller förkortningen."
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, label="Typ", help_text="Organisationstyp; flera går."
    )
    county = CountyFilter("county", distinct=False)
    municipality = MunicipalityFilter("municipality", distinct=False)
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
    county = CountyFilter("county", distinct=False)

    class Meta:
        model = Municipality
        fields = ["county"]
