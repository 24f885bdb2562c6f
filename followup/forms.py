import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.boundaries import Boundaries
from actors.filters import CountyField
from agreements.models import YEAR_VALIDATORS
from followup.statistics import Organisations, Selection
from followup.tables import Params

FIRST_DAY, LAST_DAY = datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)


class StatisticsForm(forms.Form):
    """The choices every statistics page shares. Empty fields take their defaults: today, the
    whole country, last year, agreements in force."""

    date = forms.DateField(
        label=_("Datum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-23.")},
        help_text=_("Dagen som siffrorna gäller."),
    )
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

    boundaries = forms.ChoiceField(
        label=_("Län räknas efter"),
        choices=Boundaries.choices,
        required=False,
        error_messages={"invalid_choice": _("Välj dagens län eller länen på den valda dagen.")},
        help_text=_(
            "Dagens län (en kommun eller ett upphört läns överenskommelse räknas till länet "
            "den hör till i dag) eller länen som de var på den valda dagen."
        ),
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

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day and not (FIRST_DAY <= day <= LAST_DAY):
            raise forms.ValidationError(
                _("Välj ett datum mellan 1 januari 1990 och 31 december 2100.")
            )
        return day

    def params(self) -> Params:
        """The parameters to compute with: what was given and valid, defaults for the rest."""
        data = getattr(self, "cleaned_data", {})
        on = data.get("date") or timezone.localdate()
        return Params(
            on=on,
            county=data.get("county"),
            year=data.get("year") or on.year - 1,
            selection=data.get("selection") or Selection.IN_FORCE,
            boundaries=data.get("boundaries") or Boundaries.TODAY,
            organisations=data.get("organisations") or Organisations.THEN,
        )

    def error_messages_flat(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {message}" if name in self.fields else message
            for name, messages in self.errors.items()
            for message in messages
        ]
