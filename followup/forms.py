from django import forms
from django.utils.translation import gettext_lazy as _

from actors.filters import CountyField
from actors.forms import CountingForm
from agreements.models import YEAR_VALIDATORS
from followup.statistics import Organisations, Selection
from followup.tables import Params


class StatisticsForm(CountingForm):
    """The choices every statistics page shares: the day and the boundaries (CountingForm)
    and the rest. Empty fields take their defaults: today, the whole country, last year,
    agreements in force."""

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
        )
