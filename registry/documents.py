"""The machinery of a document: a part of it (an agreement, a party, a commitment …) is a model
and an ordered tuple of field names; relations are written by a natural key of the row they
point at (a slug, a code), never by a database id. agreements/document.py and
commitments/document.py declare the parts; this module reads and writes any part, so that a
field added to a part reaches every surface built from it."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from registry import partial_dates
from registry.partial_dates import DatePrecision


class DocumentError(Exception):
    """A document breaks a rule. `errors` maps a field path ("valid_until",
    "parties[2].organisation") to Swedish messages that say what to fix."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self):
        return "; ".join(
            f"{field}: {message}" if field else message
            for field, messages in self.errors.items()
            for message in messages
        )


def fail(path: str, message: str):
    raise DocumentError({path: [message]})


@dataclass(frozen=True)
class NaturalKey:
    """A foreign key or many-to-many written as the related rows' `attribute` ("slug")."""

    model: type[models.Model]
    attribute: str
    label: str  # names the rows in messages: "Temana finns inte: …"

    def dump(self, value, *, many: bool, **_):
        if many:
            return sorted(getattr(row, self.attribute) for row in value.all())
        return getattr(value, self.attribute) if value is not None else None

    def load_one(self, value, path: str, **_):
        if value in (None, ""):
            return None
        row = self.model.objects.filter(**{self.attribute: value}).first()
        if row is None:
            fail(path, f"{self.label} {value} finns inte.")
        return row

    def load_many(self, values, path: str, **_) -> list:
        values = list(values or [])
        found = {
            getattr(row, self.attribute): row
            for row in self.model.objects.filter(**{f"{self.attribute}__in": values})
        }
        missing = [str(value) for value in values if value not in found]
        if missing:
            fail(path, f"{self.label} finns inte: {', '.join(missing)}.")
        return [found[value] for value in values]


@dataclass(frozen=True)
class SiblingKey:
    """A relation to another row of the same document, written as that row's key: a goal's
    or commitment's party is the organisation slug of one of the document's parties. The
    loader passes the rows already loaded as `siblings`."""

    attribute_path: tuple[str, ...]  # ("organisation", "slug")
    missing: str  # the message when the key names no row of the document
    required: str = ""  # the message when the relation is required and left out

    def dump(self, value, **_):
        for attribute in self.attribute_path:
            if value is None:
                return None
            value = getattr(value, attribute)
        return value

    def load_one(self, value, path: str, *, siblings: dict, **_):
        if not value:
            if self.required:
                fail(path, self.required)
            return None
        if value not in siblings:
            fail(path, self.missing.format(value=value))
        return siblings[value]


@dataclass(frozen=True)
class PartialDateKey:
    """A date that may be known only to the year or month, written as "2009", "2009-03" or
    "2009-03-15" (registry/partial_dates.py); the model holds the day in the field and its
    precision in `<field>_precision`. `end`: the date ends a period (a year is its last day)."""

    end: bool = False

    def dump(self, value, *, instance, name: str, **_):
        written = partial_dates.of(value, getattr(instance, f"{name}_precision"))
        return written.iso() if written else None

    def load_one(self, value, path: str, **_):
        if isinstance(value, datetime.date):
            return partial_dates.PartialDate(value)
        try:
            return partial_dates.parse(value, end=self.end)
        except ValueError as error:
            fail(path, str(error))

    def assign(self, instance, name: str, value) -> None:
        setattr(instance, name, value.day if value else None)
        setattr(instance, f"{name}_precision", value.precision if value else DatePrecision.DAY)


@dataclass(frozen=True)
class Part:
    """One kind of row of a document. `fields` are the model's field names in the order the
    document writes them; those in `keys` are relations (a NaturalKey, or a codec of the
    document's own such as "the party with this organisation"); the rest are plain values.
    `column_prefix` and `column_headers` name the part's columns in the bulk import."""

    model: type[models.Model]
    fields: tuple[str, ...]
    keys: dict = field(default_factory=dict)
    column_prefix: str = ""
    column_headers: dict = field(default_factory=dict)

    def model_field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)

    @property
    def plain_fields(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields if name not in self.keys)

    def is_many(self, name: str) -> bool:
        return self.model_field(name).many_to_many

    def column_header(self, name: str) -> str:
        if name in self.column_headers:
            return self.column_headers[name]
        label = str(self.model_field(name).verbose_name)
        return f"{self.column_prefix} {label}".strip()

    def dump(self, instance, **context) -> dict:
        row = {}
        for name in self.fields:
            key = self.keys.get(name)
            if key is None:
                row[name] = getattr(instance, name)
            else:
                value = getattr(instance, name)
                row[name] = key.dump(
                    value, many=self.is_many(name), instance=instance, name=name, **context
                )
        return row

    def load_plain(self, instance, row: dict) -> None:
        """Set the plain fields; a field the row leaves out gets the model's default."""
        for name in self.plain_fields:
            model_field = self.model_field(name)
            value = row[name] if name in row else model_field.get_default()
            setattr(instance, name, plain_value(model_field, value))

    def load_single_keys(self, instance, row: dict, path: str, **context) -> None:
        for name, key in self.keys.items():
            if not self.is_many(name):
                value = key.load_one(row.get(name), f"{path}{name}", **context)
                if hasattr(key, "assign"):
                    key.assign(instance, name, value)
                else:
                    setattr(instance, name, value)

    def load_many_keys(self, instance, row: dict, path: str, **context) -> None:
        """After the instance is saved: its many-to-many relations."""
        for name, key in self.keys.items():
            if self.is_many(name):
                rows = key.load_many(row.get(name, []), f"{path}{name}", **context)
                getattr(instance, name).set(rows)


def full_clean(instance, path: str = "") -> None:
    """Model validation with the errors keyed by their place in the document ("goals[2].")."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DocumentError(
            {
                (f"{path}{name}" if name != NON_FIELD_ERRORS else path.rstrip(".")): messages
                for name, messages in error.message_dict.items()
            }
        ) from None


def plain_value(model_field: models.Field, value):
    """A document's value (JSON: dates as ISO text, decimals as text or numbers) as the
    model field holds it."""
    if value in (None, "") and model_field.null:
        return None
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value  # full_clean names the field and says how to write a date
    if isinstance(model_field, models.DecimalField) and isinstance(value, int | float | str):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value
