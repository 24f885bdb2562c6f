"""Saving an agreement page that was opened before someone else saved (optimistic locking
that never loses an edit).

The first save from a stale page is refused and shows what the others changed. Saving again
merges field by field against the state the page was *opened* with, read back from the
history (`snapshot_at_lock_version`): a field the user did not change takes the current
value, a field only the user changed keeps the user's value, and where both changed a field
to different values the user chooses (a radio per field, named `losning-…`).

Inline rows are merged the same way. Django's formsets decide `has_changed()` against the
current row, so an untouched stale row would be written back over the other person's edit;
here a row counts as changed only against the opened state, and a row the other person
deleted stays deleted.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.forms import BaseInlineFormSet

from agreements.history import (
    Snapshot,
    snapshot_at_lock_version,
    snapshot_diff,
    snapshot_live,
)

MINE, THEIRS = "mine", "theirs"
UNRESOLVED_MESSAGE = (
    "Du och någon annan har ändrat samma uppgifter. Välj för varje sådan uppgift vilket "
    "värde som ska sparas och spara igen."
)


@dataclass
class FieldConflict:
    """One field both the user and someone else changed to different values."""

    key: str
    label: str
    theirs: str
    mine: str
    choice: str = ""

    @property
    def name(self) -> str:
        return f"losning-{self.key}"


def _comparable(value):
    return sorted(value) if isinstance(value, list) else value


class StaleEdit:
    """The merge of one save from a page opened at `opened_version`, while the database is
    at a later number. `seen` is true when the user has already been shown every change up
    to the current number; only then may the merged save go through."""

    def __init__(self, *, agreement, opened_version: int, seen: bool, data):
        _, self.opened = snapshot_at_lock_version(agreement=agreement, lock_version=opened_version)
        self.current = snapshot_live(agreement)
        self.seen = seen
        self.data = data
        self.conflicts: list[FieldConflict] = []
        self.lost_rows: list[str] = []

    @property
    def unresolved(self) -> bool:
        return any(not conflict.choice for conflict in self.conflicts)

    def values(self, snapshot: Snapshot | None, model, pk) -> dict | None:
        if snapshot is None:
            return None
        return snapshot.objects.get((model, str(pk)))

    def _fields(self, form):
        model = form._meta.model
        for name, field in form.fields.items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (model_field.primary_key or model_field.auto_created):
                yield name, field, model_field

    def changed_since_opened(self, form, *, pk) -> bool:
        opened = self.values(self.opened, form._meta.model, pk)
        return opened is None or any(
            field.has_changed(opened.get(model_field.attname), form[name].data)
            for name, field, model_field in self._fields(form)
        )

    def merge(self, form, *, pk, key: str) -> tuple[list[str], list[str]]:
        """Decide each field of a bound model form for the row `pk`: returns (fields that
        keep the user's value and that the user changed, fields that take the current
        value). Conflicts are recorded with the user's choice, if made."""
        model = form._meta.model
        opened = self.values(self.opened, model, pk)
        current = self.values(self.current, model, pk) or {}
        kept, taken, clashing = [], [], []
        for name, field, model_field in self._fields(form):
            raw, now = form[name].data, current.get(model_field.attname)
            if opened is None:
                # Without the opened state in the history, every difference is a conflict.
                mine_changed = theirs_changed = field.has_changed(now, raw)
            else:
                was = opened.get(model_field.attname)
                mine_changed = field.has_changed(was, raw)
                theirs_changed = _comparable(was) != _comparable(now)
            if not mine_changed:
                taken.append(name)
            elif not theirs_changed or not field.has_changed(now, raw):
                kept.append(name)
            else:
                clashing.append((name, model_field))
        if clashing:
            mine = self._record(form, model, pk, current, key, clashing)
            kept.extend(mine)
            taken.extend(name for name, _ in clashing if name not in mine)
        return kept, taken

    def _record(self, form, model, pk, current, key, clashing) -> list[str]:
        """Record the conflicts, each with the two values as a reader sees them."""
        mine = dict(current)
        for name, model_field in clashing:
            value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
            if model_field.many_to_many:
                value = sorted(item.pk for item in value or [])
            elif model_field.many_to_one:
                value = getattr(value, "pk", value)
            mine[model_field.attname] = value
        row = (model, str(pk))
        changes = snapshot_diff(Snapshot({row: current}), Snapshot({row: mine}))
        shown = {change.label: change for change in (changes[0].fields if changes else [])}
        kept = []
        for name, model_field in clashing:
            label = str(model_field.verbose_name)
            change = shown.get(label)
            choice = self.data.get(f"losning-{key}-{name}", "")
            self.conflicts.append(
                FieldConflict(
                    key=f"{key}-{name}",
                    label=f"{changes[0].label}: {label}" if changes else label,
                    theirs=change.old if change else "",
                    mine=change.new if change else "",
                    choice=choice if choice in (MINE, THEIRS) else "",
                )
            )
            if choice != THEIRS:
                kept.append(name)
        return kept


class MergingInlineFormSet(BaseInlineFormSet):
    """The agreement page's inline formsets. While the agreement form merges a stale save
    (it leaves the StaleEdit on the agreement), rows are merged the same way."""

    @property
    def stale_edit(self) -> StaleEdit | None:
        return getattr(self.instance, "stale_edit", None)

    def _gone(self, form) -> bool:
        """An existing row of the opened page that is no longer in the database."""
        return form in self.initial_forms and form.instance._state.adding

    def _should_delete_form(self, form):
        # A row someone else deleted stays deleted; if the user had changed it, the
        # conflict box says so (lost_rows).
        if self.stale_edit is not None and self._gone(form):
            return True
        return super()._should_delete_form(form)

    def full_clean(self):
        super().full_clean()
        stale = self.stale_edit
        if stale is None or not self.is_bound:
            return
        before = len(stale.conflicts)
        for index, form in enumerate(self.initial_forms):
            if self._gone(form):
                pk = form[self._pk_field.name].data
                if stale.changed_since_opened(form, pk=pk):
                    stale.lost_rows.append(f"{self.model._meta.verbose_name} {index + 1}")
                continue
            if not form.is_valid() or super()._should_delete_form(form):
                continue
            pk = form.instance.pk
            kept, taken = stale.merge(form, pk=pk, key=f"{self.prefix}-{pk}")
            current = stale.values(stale.current, self.model, pk) or {}
            for name in taken:
                form.cleaned_data.pop(name, None)
                model_field = self.model._meta.get_field(name)
                if not model_field.many_to_many:
                    setattr(form.instance, model_field.attname, current.get(model_field.attname))
            # Changed means changed since the page was opened: an untouched row is not saved.
            form.changed_data = kept
        if stale.seen and any(not c.choice for c in stale.conflicts[before:]):
            self._non_form_errors.append(UNRESOLVED_MESSAGE)
