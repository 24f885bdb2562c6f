"""The one FilterSet for published agreements: the public catalogue uses it, and so can an API.
No HTML here: parameters in, a QuerySet out.

Within one filter several values mean "any of them"; different filters must all hold.
Without a status filter, the newest published version of each agreement is listed; with one,
every published version whose status is among those chosen (so "superseded" finds the older
versions)."""

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import DateTimeField, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from actors.boundaries import counties_counted_under
from actors.filters import CountyFilter, MunicipalityFilter, OrganisationFilter
from actors.models import OrganisationKind
from agreements import search
from agreements.models import Agreement, LegalStatus, Level, signing_year
from agreements.search import swedish_title_key
from commitments.models import TargetGroup, Theme
from registry.filters import StrictBooleanFilter


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    TITLE = "title"
    CHOICES = [
        (RELEVANCE, _("Relevans")),
        (NEWEST, _("Nyast först")),
        (TITLE, _("Titel (A–Ö)")),
    ]


STATUS_CHOICES = [
    (LegalStatus.IN_FORCE, LegalStatus.IN_FORCE.label),
    (LegalStatus.EXPIRED, LegalStatus.EXPIRED.label),
    (LegalStatus.SUPERSEDED, LegalStatus.SUPERSEDED.label),
    (LegalStatus.UPCOMING, LegalStatus.UPCOMING.label),
    (LegalStatus.UNKNOWN, LegalStatus.UNKNOWN.label),
]
# The signing year's facet value for versions without a signing date (models.signing_year):
# 0 in the index and the FilterSet's cleaned values, "unknown" in the address.
UNKNOWN_YEAR = 0
UNKNOWN_YEAR_PARAM = "unknown"


def year_param(year: int) -> str:
    return UNKNOWN_YEAR_PARAM if year == UNKNOWN_YEAR else str(year)


def year_label(year: int) -> str:
    """Swedish; the catalogue translates it when it shows it."""
    return "okänt år" if year == UNKNOWN_YEAR else str(year)


def _year(value: str) -> int:
    return UNKNOWN_YEAR if value == UNKNOWN_YEAR_PARAM else int(value)


YEAR_CHOICES = [
    (UNKNOWN_YEAR_PARAM, _("okänt år")),
    *[(str(year), str(year)) for year in range(1990, 2101)],
]


def sort_queryset(queryset, sort: str):
    """The catalogue's orders that do not depend on a search: newest first, or by title in
    Swedish order (the default)."""
    if sort == Sort.NEWEST:
        return queryset.order_by(
            F("signed_on").desc(nulls_last=True),
            # A date is compared with a time as PostgreSQL does: midnight at its start.
            Coalesce("valid_from", "published_at", output_field=DateTimeField()).desc(
                nulls_last=True
            ),
            "pk",
        )
    return queryset.order_by(swedish_title_key(), "version_number", "pk")


def _is_empty(value) -> bool:
    if isinstance(value, QuerySet):
        return value.query.is_empty()
    return value is None or value in ("", [], ())


class AgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Sökord"),
        max_length=search.MAX_SEARCH_CHARS,
        validators=[search.validate_search_query],
    )
    level = django_filters.MultipleChoiceFilter(
        choices=Level.choices, distinct=False, label=_("Nivå")
    )
    county = CountyFilter(method="filter_county")
    municipality = MunicipalityFilter(method="filter_municipality")
    organisation_kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices,
        method="filter_organisation_kind",
        label=_("Typ av organisation"),
    )
    organisation = OrganisationFilter(method="filter_organisation")
    theme = django_filters.ModelMultipleChoiceFilter(
        queryset=Theme.objects.all(), to_field_name="slug", method="filter_theme", label=_("Tema")
    )
    target_group = django_filters.ModelMultipleChoiceFilter(
        queryset=TargetGroup.objects.all(),
        to_field_name="slug",
        method="filter_target_group",
        label=_("Målgrupp"),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("Status")
    )
    year = django_filters.TypedMultipleChoiceFilter(
        choices=YEAR_CHOICES,
        coerce=_year,
        method="filter_year",
        label=_("Undertecknad år"),
        help_text=_("Året då versionen undertecknades; unknown: utan känt undertecknandedatum."),
    )
    good_example = StrictBooleanFilter(field_name="is_good_example", label=_("Gott exempel"))
    sort = django_filters.ChoiceFilter(
        choices=Sort.CHOICES, method="filter_sort", empty_label=None, label=_("Sortering")
    )

    # Applied in filter_queryset, not in the loop over the form's values.
    SPECIAL = ("status", "sort")
    FACETS = (
        "level",
        "county",
        "municipality",
        "organisation_kind",
        "organisation",
        "theme",
        "target_group",
        "status",
        "year",
        "good_example",
    )

    class Meta:
        model = Agreement
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Agreement.objects.published()
        super().__init__(data, queryset=queryset, **kwargs)
        self.form.fields["good_example"].widget = forms.NullBooleanSelect()

    # -- the query ---------------------------------------------------------------------------

    @property
    def query(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip() if self.is_bound else ""

    @property
    def full_text(self) -> bool:
        """Whether the words are found by full-text search; if not, the spelling fallback
        is used for the results and for every count. Decided once per request."""
        if not hasattr(self, "_full_text"):
            self._full_text = bool(self.query) and search.finds_words(
                Agreement.objects.published(), self.query
            )
        return self._full_text

    @full_text.setter
    def full_text(self, value: bool) -> None:
        """Decided already for the same words (the catalogue remembers it with their matches
        while the registry stays as it is)."""
        self._full_text = value

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        if self.full_text:
            return search.full_text_filter(queryset, value.strip())
        return search.similar_filter(queryset, value.strip())

    # -- facets ------------------------------------------------------------------------------

    def _ids(self, name, value) -> list[int]:
        """The chosen rows' ids, read once per request (the form gives a QuerySet)."""
        cache = self.__dict__.setdefault("_chosen", {})
        if name not in cache:
            cache[name] = list(value)
        return [row.pk for row in cache[name]]

    def filter_county(self, queryset, name, value: str):
        return queryset.filter(county_id__in=counties_counted_under(self._ids(name, value)))

    def filter_municipality(self, queryset, name, value: str):
        return queryset.filter(
            catalogue_entry__facet_municipalities__overlap=self._ids(name, value)
        )

    def filter_theme(self, queryset, name, value: str):
        return queryset.filter(catalogue_entry__facet_themes__overlap=self._ids(name, value))

    def filter_target_group(self, queryset, name, value: str):
        return queryset.filter(catalogue_entry__facet_target_groups__overlap=self._ids(name, value))

    def filter_organisation(self, queryset, name, value: str):
        return queryset.filter(catalogue_entry__facet_organisations__overlap=self._ids(name, value))

    def filter_organisation_kind(self, queryset, name, value: str):
        return queryset.filter(catalogue_entry__facet_organisation_kinds__overlap=list(value))

    def filter_year(self, queryset, name, value):
        years = [year for year in value if year != UNKNOWN_YEAR]
        chosen = Q(signed_in__in=years)
        if UNKNOWN_YEAR in value:
            chosen |= Q(signed_in__isnull=True)
        return queryset.alias(signed_in=signing_year()).filter(chosen)

    def filter_status(self, queryset, name, value: str):
        if not value:
            return queryset.latest_published()
        return queryset.with_status().filter(legal_status__in=value)

    def filter_sort(self, queryset, name, value):
        sort = value or (Sort.RELEVANCE if self.query else Sort.TITLE)
        if sort == Sort.RELEVANCE and self.query:
            rank = search.rank_expression(self.query, full_text=self.full_text)
            return queryset.annotate(rank=rank).order_by("-rank", swedish_title_key(), "pk")
        return sort_queryset(queryset, sort)

    @property
    def sort_value(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.is_bound else ""
        return value or (Sort.RELEVANCE if self.query else Sort.TITLE)

    def filter_queryset(self, queryset, *, without=None, ordered=True):
        """All filters, or all but one (`without`, a filter's name: the feed leaves out
        the status, so that every new version is news)."""
        data = self.form.cleaned_data
        for name, value in data.items():
            if name in self.SPECIAL or name == without or _is_empty(value):
                continue
            queryset = self.filters[name].filter(queryset, value)
        if without != "status":
            queryset = self.filter_status(queryset, "status", data.get("status"))
        if ordered:
            queryset = self.filter_sort(queryset, "sort", data.get("sort"))
        return queryset

    def selected(self, name: str) -> list:
        """The valid values chosen for a filter, as the form cleaned them."""
        value = self.form.cleaned_data.get(name) if self.is_bound else None
        if _is_empty(value):
            return []
        if isinstance(value, QuerySet):
            self._ids(name, value)
            return self._chosen[name]
        return list(value) if isinstance(value, list | tuple) else [value]

    def error_text(self) -> str:
        """The form's errors as one line of text, each after its filter's name."""
        form = self.form
        messages = []
        for name, errors in form.errors.items():
            text = " ".join(errors)
            messages.append(f"{form.fields[name].label}: {text}" if name in form.fields else text)
        return " ".join(messages)

    def active_filters(self) -> dict:
        """The facet filters with a value: name → value, as the form cleaned it."""
        self.errors  # noqa: B018 – validates the form
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if name in self.FACETS and not _is_empty(value)
        }

    def chosen_values(self) -> dict[str, list]:
        """The facet filters with a value, as database values: ids for the filters that
        choose rows (county, theme …), the values themselves for the others. The catalogue
        applies them to its in-memory index (agreements/catalogue_index.py)."""
        return {
            name: [getattr(chosen, "pk", chosen) for chosen in self.selected(name)]
            for name in self.active_filters()
        }


VERSIONS_ALL = "all"
VERSIONS_CHOICES = [
    ("latest", _("Den senaste versionen av varje överenskommelse")),
    (VERSIONS_ALL, _("Alla versioner")),
]


class VersionsFilterSet(django_filters.FilterSet):
    """Which versions an API list and its exports show, the same in every list: the newest
    version of each agreement (`Agreement.objects.listed`), every version with
    `versions=all`. `agreement_path` is the way from the listed rows to their agreement
    (empty for the agreements themselves)."""

    versions = django_filters.ChoiceFilter(
        choices=VERSIONS_CHOICES,
        method="filter_versions",
        label=_("Versioner"),
        help_text=_(
            "Utan värde (eller latest) bara den senaste publicerade versionen av varje "
            "överenskommelse, så att ingenting räknas två gånger; all ger alla versioner."
        ),
    )
    agreement_path = "agreement"

    def filter_versions(self, queryset, name, value):
        return queryset  # applied in filter_queryset, also when the parameter is left out

    def listed_versions(self, queryset):
        all_versions = self.form.cleaned_data.get("versions") == VERSIONS_ALL
        user = getattr(self.request, "user", None) or AnonymousUser()
        if not self.agreement_path:
            return queryset.listed(user, all_versions=all_versions)
        listed = Agreement.objects.listed(user, all_versions=all_versions)
        return queryset.filter(**{f"{self.agreement_path}__in": listed})

    def filter_queryset(self, queryset):
        return self.listed_versions(super().filter_queryset(queryset))


class AgreementApiFilterSet(VersionsFilterSet, AgreementFilterSet):
    """The catalogue's filters for the API: the versions as in every API list (staff also
    see their own drafts), no status means no status filter, and good_example is read
    strictly (the catalogue's select widget maps unknown values to none)."""

    agreement_path = ""
    SPECIAL = (*AgreementFilterSet.SPECIAL, "versions")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["good_example"].widget = forms.TextInput()

    def filter_status(self, queryset, name, value: str):
        if not value:
            return queryset
        return super().filter_status(queryset, name, value)

    def filter_queryset(self, queryset, **kwargs):
        # The versions first: a status filter then chooses among them.
        return AgreementFilterSet.filter_queryset(self, self.listed_versions(queryset), **kwargs)
