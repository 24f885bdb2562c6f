"""The day figures are counted on and the boundaries they are counted under: one choice, with
one parameter for each (`date`, `boundaries`), that the statistics, the county and national
pages and the county and national reports share."""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.boundaries import Boundaries, CountyCounting
from followup.formatting import local_date

FIRST_DAY, LAST_DAY = datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)


@dataclass(frozen=True)
class Counting:
    """What was chosen, with the defaults filled in: today, today's counties."""

    on: datetime.date
    boundaries: str = Boundaries.TODAY
    chosen_day: bool = True  # a day was asked for (not today by default)

    @cached_property
    def counting(self) -> CountyCounting:
        return CountyCounting(boundaries=self.boundaries, on=self.on)

    @property
    def is_then(self) -> bool:
        return self.boundaries == Boundaries.THEN

    @property
    def when(self) -> str:
        """ "i dag", or "den 31 december 2005" for a chosen day, in the page's language."""
        if not self.chosen_day:
            return _("i dag")
        return _("den %(day)s") % {"day": local_date(self.on)}

    def as_query(self) -> dict[str, str]:
        """The choice as query parameters: only what differs from the defaults."""
        query = {"date": self.on.isoformat()} if self.chosen_day else {}
        if self.boundaries != Boundaries.TODAY:
            query["boundaries"] = self.boundaries
        return query


class CountingForm(forms.Form):
    date = forms.DateField(
        label=_("Datum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-23.")},
        help_text=_("Dagen som siffrorna gäller."),
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

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day and not (FIRST_DAY <= day <= LAST_DAY):
            raise forms.ValidationError(
                _("Välj ett datum mellan 1 januari 1990 och 31 december 2100.")
            )
        return day

    def choice(self) -> Counting:
        """The day and boundaries to count with: what was given and valid, defaults for the
        rest."""
        data = getattr(self, "cleaned_data", {})
        day = data.get("date")
        return Counting(
            on=day or timezone.localdate(),
            boundaries=data.get("boundaries") or Boundaries.TODAY,
            chosen_day=day is not None,
        )

    def error_messages_flat(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {message}" if name in self.fields else message
            for name, messages in self.errors.items()
            for message in messages
        ]
