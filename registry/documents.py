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
        if many:  # value: the related rows (related_rows)
            return sorted(getattr(row, self.attribute) for row in value)
        return getattr(value, self.attribute) if value is not None else None

    def normalized(self, value, *, many: bool):
        if many:
            return sorted(set(value or []))
        return None if value in (None, "") else value

    def resolve(self, values, known: dict | None = None) -> dict:
        """The rows named by `values` (one query for those not yet in `known`, which is
        filled in): a list of many rows costs one query, not one per row."""
        known = {} if known is None else known
        found = known.setdefault(self, {})
        wanted = {value for value in values if value not in (None, "") and value not in found}
        if wanted:
            for row in self.model.objects.filter(**{f"{self.attribute}__in": wanted}):
                found[getattr(row, self.attribute)] = row
        return found

    def load_one(self, value, path: str, *, known: dict | None = None, **_):
        if value in (None, ""):
            return None
        row = self.resolve([value], known).get(value)
        if row is None:
            fail(path, f"{self.label} {value} finns inte.")
        return row

    def load_many(self, values, path: str, *, known: dict | None = None, **_) -> list:
        values = list(values or [])
        found = self.resolve(values, known)
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

    def normalized(self, value, **_):
        return value or None

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

    def normalized(self, value, **_):
        """As dump() writes it back: "2009-03" stays, a date becomes "2009-03-15"; what
        cannot be read is left for load_one to refuse."""
        if value in (None, ""):
            return None
        try:
            written = self.load_one(value, "")
        except DocumentError:
            return value
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
                many = self.is_many(name)
                value = related_rows(instance, name) if many else getattr(instance, name)
                row[name] = key.dump(value, many=many, instance=instance, name=name, **context)
        return row

    def normalized(self, row: dict) -> dict:
        """The row as dump() gives it back once it is written (a plain field left out: its
        default; a list of keys: sorted), so that comparing the two says whether writing the
        row would change anything."""
        normal = {}
        for name in self.fields:
            key = self.keys.get(name)
            if key is None:
                model_field = self.model_field(name)
                value = row[name] if name in row else model_field.get_default()
                normal[name] = python_value(model_field, plain_value(model_field, value))
            else:
                normal[name] = key.normalized(row.get(name), many=self.is_many(name))
        return normal

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


def related_rows(instance, name: str):
    """The rows of the instance's many-to-many relation `name`: those read ahead when they
    were (prefetched_rows, prefetch_related), without the manager Django builds on every
    access (most of the time of dumping a big agreement's commitments)."""
    rows = getattr(instance, "_prefetched_objects_cache", {}).get(name)
    return rows if rows is not None else getattr(instance, name).all()


def prefetched_rows(instance, name: str, rows: list) -> None:
    """Give the instance's relation `name` these rows as if prefetch_related had read them, so
    that `.all()` and the serialisers read no more."""
    queryset = models.QuerySet(model=instance._meta.get_field(name).related_model)
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def with_related_ids(queryset, names, *, keys: dict | None = None):
    """The queryset with each many-to-many relation's ids (and, for a name in `keys`, that
    attribute of the related rows) as arrays in the same query, rather than a query per
    relation; tags_from_related_ids then gives each row its relations."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef

    model = queryset.model
    for name in names:
        model_field = model._meta.get_field(name)
        through = model_field.remote_field.through
        source, target = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
        links = through.objects.filter(**{f"{source}_id": OuterRef("pk")}).order_by(f"{target}_id")
        queryset = queryset.annotate(
            **{f"_{name}_ids": ArraySubquery(links.values(f"{target}_id"))}
        )
        if name in (keys or {}):
            queryset = queryset.annotate(
                **{f"_{name}_keys": ArraySubquery(links.values(f"{target}__{keys[name]}"))}
            )
    return queryset


def tags_from_related_ids(instance, names, *, keys: dict | None = None) -> None:
    for name in names:
        related = instance._meta.get_field(name).related_model
        ids = getattr(instance, f"_{name}_ids")
        attribute = (keys or {}).get(name)
        values = getattr(instance, f"_{name}_keys") if attribute else [None] * len(ids)
        prefetched_rows(
            instance,
            name,
            [
                related(pk=pk, **({attribute: value} if attribute else {}))
                for pk, value in zip(ids, values, strict=True)
            ],
        )


def with_related_rows(queryset, fields: dict[str, tuple[str, ...]]):
    """The queryset with the rows of each many-to-many relation in `fields` (those fields of
    them, in the related model's order) as a JSON array in the same query, rather than a
    query per relation, as prefetch_related would; related_rows_from_json then gives each
    row its relations."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef
    from django.db.models.functions import JSONObject

    for name, names in fields.items():
        model_field = queryset.model._meta.get_field(name)
        related = model_field.related_model
        rows = related._default_manager.filter(
            **{model_field.related_query_name(): OuterRef("pk")}
        ).order_by(*related._meta.ordering)
        queryset = queryset.annotate(
            **{f"_{name}_rows": ArraySubquery(rows.values(row=JSONObject(**{n: n for n in names})))}
        )
    return queryset


def related_rows_from_json(instance, names) -> None:
    """Each relation in `names` of an instance read by with_related_rows, as if prefetched:
    the fields read are set, the others deferred (read on access, never a default)."""
    for name in names:
        related = instance._meta.get_field(name).related_model
        fields = related._meta.concrete_fields
        prefetched_rows(
            instance,
            name,
            [
                related.from_db(
                    instance._state.db,
                    None,
                    [row.get(field.attname, models.DEFERRED) for field in fields],
                )
                for row in getattr(instance, f"_{name}_rows")
            ],
        )


def _error_paths(error: ValidationError, path: str) -> dict[str, list[str]]:
    return {
        (f"{path}{name}" if name != NON_FIELD_ERRORS else path.rstrip(".")): messages
        for name, messages in error.message_dict.items()
    }


def clean_in_memory(instance, path: str = "", exclude=()) -> None:
    """full_clean without a query: the fields (but those in `exclude`), their validators and
    the model's clean(). A relation whose row the document loaded is known to exist, so it
    is not looked up again; uniqueness and check constraints are left to the database, which
    enforces them when the row is written (the writer then calls validate_constraints to
    name the rule)."""
    loaded = {
        model_field
        for model_field in instance._meta.concrete_fields
        if model_field.many_to_one
        and model_field.is_cached(instance)
        and getattr(instance, model_field.name) is not None
        and getattr(instance, model_field.name).pk is not None
    }
    errors: dict = {}
    try:
        instance.clean_fields(exclude={model_field.name for model_field in loaded} | set(exclude))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise DocumentError(_error_paths(ValidationError(errors), path)) from None


def validate_constraints(instance, path: str = "") -> None:
    """The uniqueness and check constraints as model validation words them (a query each)."""
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except ValidationError as error:
        raise DocumentError(_error_paths(error, path)) from None


def full_clean(instance, path: str = "") -> None:
    """Model validation with the errors keyed by their place in the document ("goals[2].")."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DocumentError(_error_paths(error, path)) from None


def python_value(model_field: models.Field, value):
    """The value as the model field reads it, or as it is when the field would refuse it."""
    try:
        return model_field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


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
