"""Forms of the staff workflow: the agreement page with its inlines, optimistic locking,
attachments, unpublishing and bulk import."""

import datetime

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify

from actors.boundaries import agreement_day
from agreements import policy
from agreements.document import SECTION
from agreements.history import (
    revisions_since,
    snapshot_at_lock_version,
    snapshot_diff,
    snapshot_live,
)
from agreements.locking import UNRESOLVED_MESSAGE, StaleEdit
from agreements.models import (
    PARTIAL_DATE_FIELDS,
    Agreement,
    AgreementLineage,
    AgreementSection,
    Attachment,
    Level,
    validate_municipalities,
)
from registry import partial_dates
from registry.partial_dates import DatePrecision, PartialDate

CONFLICT_MESSAGE = (
    "Någon annan har sparat överenskommelsen medan du hade den öppen, så dina ändringar är "
    "inte sparade än. De finns kvar i formuläret. Spara igen så sparas det du själv har "
    "ändrat; det du inte har ändrat behåller den andra personens värden."
)


class Conflict:
    """What others saved since a form was opened: who, when, and the changes."""

    def __init__(self, *, agreement: Agreement, lock_version: int):
        revision, opened = snapshot_at_lock_version(agreement=agreement, lock_version=lock_version)
        since = revisions_since(agreement=agreement, revision=revision)
        # Without the opened state in the history, the newest save is the best account.
        self.revisions = since if revision is not None else since[-1:]
        self.changes = snapshot_diff(opened, snapshot_live(agreement)) if opened else None

    @property
    def authors(self) -> str:
        seen = []
        for revision in self.revisions:
            who = (
                "okänd"
                if revision.user is None
                else (revision.user.get_full_name() or revision.user.get_username())
            )
            when = date_format(timezone.localtime(revision.date_created), "j F Y H:i")
            seen.append(f"{who} ({when})")
        return ", ".join(seen) or "någon annan"

    def summary(self) -> str:
        """One line for the error message: who saved, and which fields changed."""
        if not self.changes:
            return f"Sparat av {self.authors}."
        parts = []
        for change in self.changes:
            fields = ", ".join(f.label for f in change.fields)
            parts.append(f"{change.label} ({change.action_label.lower()}: {fields})")
        return f"Sparat av {self.authors}. Ändrat: {'; '.join(parts)}."


class NormalisedTextMixin:
    """Browsers send line breaks as CRLF; the registry stores LF, so that saving a page
    unchanged changes nothing: no field counts as changed and the history shows no edits."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and any("\r" in value for value in self.data.values() if value):
            data = self.data.copy()
            for key in data:
                values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
                normalised = [
                    v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v
                    for v in values
                ]
                if hasattr(data, "setlist"):
                    data.setlist(key, normalised)
                else:
                    data[key] = normalised[0]
            self.data = data


class PartialDateFormField(forms.CharField):
    """A date as precisely as it is known ("2009", "mars 2009", "2009-03-15"), read by
    registry/partial_dates.py; cleaned to a PartialDate (None: empty)."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, PartialDate):
            return value.iso()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def to_python(self, value):
        try:
            return partial_dates.parse(value, end=self.end)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class AgreementForm(NormalisedTextMixin, forms.ModelForm):
    """The agreement page. Fields come from AgreementAdmin.fieldsets; the admin passes the
    request so that the form knows the user's scope."""

    signed_on = PartialDateFormField(label="Undertecknad", help_text=partial_dates.HELP)
    valid_from = PartialDateFormField(label="Gäller från", help_text=partial_dates.HELP)
    valid_until = PartialDateFormField(
        label="Gäller till",
        end=True,
        help_text=f"Tomt betyder: tills vidare. {partial_dates.HELP} Ett år eller en månad "
        "gäller till sin sista dag.",
    )

    # The number the page was opened with: the base of the merge, kept through refusals.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The newest number whose changes the conflict box has shown.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    lineage_slug = forms.SlugField(
        label="Kortnamn i adressen",
        max_length=120,
        required=False,
        allow_unicode=False,
        help_text="Överenskommelsens permanenta adress: /overenskommelser/kortnamnet/. Ändras "
        "aldrig. Lämna tomt så bildas det av titeln. Bara a–z, 0–9 och bindestreck.",
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.conflict: Conflict | None = None
        self.stale_edit: StaleEdit | None = None
        self.locked_version: int | None = None
        if request is not None and "county" in self.fields:
            self.fields["county"].queryset = policy.counties_for(request.user)
        for name in PARTIAL_DATE_FIELDS:
            # The instance's day with its precision, unless the caller gave another value.
            if name in self.fields and self.initial.get(name) == getattr(self.instance, name):
                self.initial[name] = getattr(self.instance, f"{name}_partial")
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.lock_version
            del self.fields["lineage_slug"]
        else:
            del self.fields["seen_version"]

    def clean_lineage_slug(self):
        slug = self.cleaned_data.get("lineage_slug") or slugify(
            self.data.get(self.add_prefix("alias")) or self.data.get(self.add_prefix("title")) or ""
        )
        if not slug:
            raise ValidationError("Ange ett kortnamn, till exempel ”lok-lulea”.")
        slug = slug[:120]
        if AgreementLineage.objects.filter(slug=slug).exists():
            raise ValidationError(
                f"Kortnamnet ”{slug}” används redan av en annan överenskommelse. Välj ett annat, "
                "eller revidera den befintliga överenskommelsen om det är en ny version av den."
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        if self.request is not None and "level" in cleaned:
            county = None if cleaned["level"] == Level.CENTRAL else cleaned.get("county")
            refusal = policy.refusal_to_register(self.request.user, county=county)
            if refusal:
                self.add_error("level" if county is None else "county", refusal)
        # A partial date is a day for the model (and the lock's merge), its precision beside.
        written = {name: cleaned[name] for name in PARTIAL_DATE_FIELDS if name in cleaned}
        for name, value in written.items():
            cleaned[name] = value.day if value else None
        if self.instance.pk:
            self._check_lock(cleaned)
        for name, value in written.items():
            if name in cleaned:  # not taken from another person's save by the merge
                precision = value.precision if value else DatePrecision.DAY
                setattr(self.instance, f"{name}_precision", precision)
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # the instance now has the dates the boundaries are judged on
        cleaned = self.cleaned_data
        if "municipalities" in cleaned:
            try:
                validate_municipalities(
                    level=cleaned.get("level"),
                    county=cleaned.get("county"),
                    municipalities=cleaned["municipalities"],
                    day=agreement_day(self.instance),
                )
            except ValidationError as error:
                self.add_error(None, error)

    def _check_lock(self, cleaned: dict) -> None:
        """Optimistic locking. The row stays locked until the admin's transaction ends, so of
        two saves at the same moment the second waits and then sees the first one's number.

        A page opened before someone else's save is refused once, showing their changes;
        saved again, it is merged (agreements/locking.py)."""
        current = (
            Agreement.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("lock_version", flat=True)
            .get()
        )
        self.locked_version = current
        opened = cleaned.get("opened_version")
        if opened == current:
            return
        if opened is None:
            # A page without its number (not from this form): nothing to merge against.
            opened = 0
        seen = cleaned.get("seen_version") or opened
        self.instance.refresh_from_db()
        self.stale_edit = StaleEdit(
            agreement=self.instance, opened_version=opened, seen=seen == current, data=self.data
        )
        # The inline formsets of the same page merge their rows against the same states.
        self.instance.stale_edit = self.stale_edit
        _, taken = self.stale_edit.merge(self, pk=self.instance.pk, key="agreement")
        for name in taken:
            cleaned.pop(name, None)
        if seen != current:
            self.conflict = Conflict(agreement=self.instance, lock_version=opened)
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_version")] = current
            raise ValidationError(CONFLICT_MESSAGE, code="conflict")
        if self.stale_edit.unresolved:
            raise ValidationError(UNRESOLVED_MESSAGE, code="conflict")


class SectionInlineForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = AgreementSection
        fields = ["order", *SECTION.fields]


class _LinkedFile:
    """A stored file as the file widget shows it, linked to the guarded view rather than to
    MEDIA_URL (which is not served)."""

    def __init__(self, value, url):
        self.value, self.url = value, url

    def __str__(self):
        return str(self.value).rsplit("/", 1)[-1]


class AttachmentFileWidget(AdminFileWidget):
    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        instance = getattr(value, "instance", None)
        if context["widget"]["is_initial"] and instance is not None and instance.pk:
            context["widget"]["value"] = _LinkedFile(value, instance.get_absolute_url())
        return context


class AttachmentInlineForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["title", "kind", "file"]
        widgets = {"file": AttachmentFileWidget}


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label="Skäl",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Varför överenskommelsen inte längre ska synas publikt. Sparas i historiken.",
        error_messages={"required": "Skriv varför överenskommelsen avpubliceras."},
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fil",
        help_text="CSV (komma eller semikolon, UTF-8 med eller utan BOM) eller Excel (.xlsx), "
        "enligt mallen. Högst 5 MB.",
    )
