from django import forms
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from actors.boundaries import Boundaries, CountyCounting
from actors.filters import CountyField
from actors.forms import CountingForm
from actors.models import County
from agreements.models import YEAR_VALIDATORS
from followup.formatting import local_date
from followup.statistics import Organisations, Selection
from followup.tables import Params


class StatisticsForm(CountingForm):
    """The choices every statistics page shares: the day and the boundaries (CountingForm)
    and the rest. Empty fields take their defaults: today, the whole country, last year,
    agreements in force. The county is one of the counties the page counts under
    (Params.counting): today's 21, or with the day's boundaries those of the day, former
    counties included."""

    county = CountyField(label=_("Län"), required=False, empty_label=_("Hela landet"))
    year = forms.IntegerField(
        label=_("Uppföljningsår"),
        required=False,
        validators=YEAR_VALIDATORS,
        error_messages={"invalid": _("Skriv året med fyra siffror, till exempel 2025.")},
    )
    selection = forms.ChoiceField(
        label=_("Överenskommelser"),
        choices=Selection.CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Välj ett av urvalen i listan.")},
    )
    organisations = forms.ChoiceField(
        label=_("Organisationer"),
        choices=Organisations.CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Välj ett av valen i listan.")},
        help_text=_(
            "Organisationer som inte längre finns: som de var, eller som sin efterträdare."
        ),
    )

    def __init__(self, *args, counted_by_year: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.counted_by_year = counted_by_year

    def clean(self):
        data = super().clean()
        counting = self.params().counting
        counties = counting.counties()
        field = self.fields["county"]
        field.choices = [("", field.empty_label), *((c.slug, c.name) for c in counties)]
        county = data.get("county")
        if county is not None and county not in counties:
            self.add_error("county", self._not_counted(county, counting))
        return data

    def _not_counted(self, county: County, counting: CountyCounting) -> str:
        """Why the county is not one of the counties counted under, and which is."""
        then = self.params().boundaries == Boundaries.THEN
        values = {"county": county.name, "day": local_date(counting.on) if then else ""}
        part_of = counting.county_of(county)
        if part_of == county:  # formed after the day: the counties it was made of
            values["parts"] = get_text_list([c.name for c in counting.parts_of(county)], _("och"))
            message = _("%(county)s fanns inte den %(day)s; då fanns %(parts)s. Välj ett av dem.")
        elif then:
            values["part_of"] = part_of.name
            message = _(
                "%(county)s fanns inte den %(day)s; då ingick det i %(part_of)s. Välj %(part_of)s."
            )
        else:
            values["part_of"] = part_of.name
            message = _(
                "%(county)s finns inte i dag; det ingår i %(part_of)s. Välj %(part_of)s, eller "
                "länen på den valda dagen och en dag då %(county)s fanns."
            )
        return message % values

    def params(self) -> Params:
        """The parameters to compute with: what was given and valid, defaults for the rest."""
        data = getattr(self, "cleaned_data", {})
        choice = self.choice()
        return Params(
            on=choice.on,
            county=data.get("county"),
            year=data.get("year") or choice.on.year - 1,
            selection=data.get("selection") or Selection.IN_FORCE,
            boundaries=choice.boundaries,
            organisations=data.get("organisations") or Organisations.THEN,
            counted_by_year=self.counted_by_year,
        )
