"""The history of an agreement.

Every write path (the admin, the workflow services, the importer) stores a snapshot of the
whole agreement — the agreement with its sections, parties, goals, commitments and attachments —
as one django-reversion revision with who, when and a comment. This module records those
snapshots and turns two consecutive snapshots into a readable list of changes: which object,
which field, the old and the new value.

A snapshot holds what people write, not what the registry derives from it: the search and
facet columns are in a read model of their own (CatalogueEntry), and an attachment's text,
read from its file, is left out. The changes list only the fields people edit.
"""

import datetime
import difflib
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import connection, models, router, transaction
from django.db.models import Prefetch, Subquery
from django.db.models.functions import MD5
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from reversion.models import Revision, Version

from agreements.attachments import pdf_extract_text
from agreements.models import Agreement, AgreementSection, Attachment, Goal, Party
from registry.documents import tags_from_related_ids, with_related_ids

AGREEMENT_PARTS = ("sections", "parties", "goals", "commitments", "attachments")
# Up to 100,000 characters read from the file: derived, and most of a snapshot's size.
SNAPSHOT_EXCLUDE = {Attachment: ("extracted_text",)}
# Besides what people cannot edit (id, created, changed, lock version, published at, an
# attachment's text: editable=False): the link to the agreement, and the publication, which
# the workflow's own comments report ("Publicerad.", "Avpublicerad: …").
UNSHOWN_FIELDS = {"agreement", "publication"}


def _commitment_model():
    from commitments.models import Commitment

    return Commitment


def register_models() -> None:
    """Called from AgreementsConfig.ready(): what a snapshot of an agreement contains."""
    if reversion.is_registered(Agreement):
        return
    reversion.register(Agreement, follow=AGREEMENT_PARTS)
    for model in (AgreementSection, Party, Goal, Attachment, _commitment_model()):
        reversion.register(model, exclude=SNAPSHOT_EXCLUDE.get(model, ()))


AGREEMENT_TAGS = (
    "municipalities",
    "themes",
    "target_groups",
    "perspectives",
    "legal_references",
    "contacts",
)
COMMITMENT_TAGS = ("themes", "target_groups")


def _agreements_for_snapshot(pks) -> dict[int, Agreement]:
    """The agreements with everything a snapshot serialises read ahead, by id: the agreements
    with the ids of their tags, then one query per kind of part, whatever their number and
    size."""
    commitment = _commitment_model()
    stored = (
        with_related_ids(Agreement.objects.all(), AGREEMENT_TAGS)
        .prefetch_related(
            "sections",
            Prefetch("parties", queryset=Party.objects.select_related("organisation")),
            "goals",
            Prefetch("attachments", queryset=Attachment.objects.defer("extracted_text")),
            Prefetch(
                "commitments",
                queryset=with_related_ids(commitment.objects.all(), COMMITMENT_TAGS),
            ),
        )
        .filter(pk__in=pks)
    )
    found = {}
    for agreement in stored:
        tags_from_related_ids(agreement, AGREEMENT_TAGS)
        for row in agreement.commitments.all():
            tags_from_related_ids(row, COMMITMENT_TAGS)
        found[agreement.pk] = agreement
    return found


def _agreement_for_snapshot(pk: int) -> Agreement:
    return _agreements_for_snapshot([pk])[pk]


def _snapshot_objects(agreement: Agreement) -> list:
    objects = [agreement]
    for part in AGREEMENT_PARTS:
        objects.extend(getattr(agreement, part).all())
    return objects


class _SnapshotSerializer(JSONSerializer):
    """Django's JSON serialiser, as django-reversion uses it, for all objects of one model in
    one pass: each object's text (`texts`) is what serialising it alone would give. It reads
    many-to-many relations that were read ahead without building a query for each (Django
    builds one per relation and object even when it does not run it)."""

    def start_serialization(self):
        super().start_serialization()
        self.texts = []

    def end_object(self, obj):
        self.texts.append(f"[{json.dumps(self.get_dump_object(obj), **self.json_kwargs)}]")
        self._current = None

    def handle_m2m_field(self, obj, field):
        rows = getattr(obj, "_prefetched_objects_cache", {}).get(field.name)
        if rows is None or not field.remote_field.through._meta.auto_created:
            return super().handle_m2m_field(obj, field)
        self._current[field.name] = [row.pk for row in rows]


def _serialized(objects: list) -> list[tuple[tuple, str]]:
    """Each object as django-reversion stores it in a revision: ((content type, object id,
    database, format, representation), serialised data); _version makes a Version of it."""
    by_model: dict[type, list] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj)
    serialized = []
    for model, rows in by_model.items():
        options = reversion.revisions._get_options(model)
        assert options.format == "json"  # _SnapshotSerializer's format
        serializer = _SnapshotSerializer()
        serializer.serialize(rows, fields=options.fields)
        content_type = ContentType.objects.get_for_model(model)
        db = router.db_for_write(model)
        serialized.extend(
            ((content_type, str(obj.pk), db, options.format, str(obj)), text)
            for obj, text in zip(rows, serializer.texts, strict=True)
        )
    return serialized


def _version(described: tuple, text: str, revision: Revision | None = None) -> Version:
    content_type, object_id, db, format_, representation = described
    return Version(
        revision=revision,
        content_type=content_type,
        object_id=object_id,
        db=db,
        format=format_,
        serialized_data=text,
        object_repr=representation,
    )


def history_record(
    *,
    agreement: Agreement,
    user=None,
    comment: str = "",
    only_if_changed: bool = False,
    written: Agreement | None = None,
) -> None:
    """Store the agreement as it is now in the database as one revision: django-reversion's
    revision and versions (its own add_to_revision follows each relation and checks each
    model's rows again). A row stored exactly so in the agreement's latest revision is
    copied from it in the database, so a save of one part sends only that part's rows
    (a big agreement's rows are most of a save's time otherwise).

    `written`: the version as the document service has just written it, with its rows read
    ahead (agreements.services.DocumentWrite.state), so that nothing is read again."""
    if only_if_changed:
        latest = (
            Version.objects.get_for_object(agreement)
            .select_related("revision")
            .order_by("-revision__date_created", "-revision_id")
            .first()
        )
        if latest is not None:
            before = revision_snapshot(latest.revision)
            if not snapshot_diff(before, snapshot_live(agreement)):
                return
    snapshot = written if written is not None else _agreement_for_snapshot(agreement.pk)
    serialized = _serialized(_snapshot_objects(snapshot))
    previous = {
        (content_type_id, object_id): (pk, digest, representation)
        for pk, content_type_id, object_id, digest, representation in Version.objects.filter(
            revision_id=Subquery(
                Version.objects.get_for_object(agreement)
                .order_by("-revision__date_created", "-revision_id")
                .values("revision_id")[:1]
            )
        )
        .annotate(digest=MD5("serialized_data"))
        .values_list("pk", "content_type_id", "object_id", "digest", "object_repr")
    }
    copied, new = [], []  # ids of the latest revision's versions to copy; rows to write
    for described, text in serialized:
        content_type, object_id, _db, _format, representation = described
        pk, digest, was = previous.get((content_type.pk, object_id), (None, None, None))
        if digest == _md5(text) and was == representation:
            copied.append(pk)
        else:
            new.append((described, text))
    with transaction.atomic(savepoint=False):
        revision = _revisions_create([comment], user)[0]
        if copied:
            table = connection.ops.quote_name(Version._meta.db_table)
            columns = "object_id, content_type_id, db, format, serialized_data, object_repr"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (revision_id, {columns}) "
                    f"SELECT %s, {columns} FROM {table} WHERE id = ANY(%s)",
                    [revision.pk, copied],
                )
        Version.objects.bulk_create([_version(*row, revision) for row in new])


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _revisions_create(comments: list[str], user) -> list[Revision]:
    now = timezone.now()
    return Revision.objects.bulk_create(
        [
            Revision(
                date_created=now,
                user=user if user is not None and user.is_authenticated else None,
                comment=comment,
            )
            for comment in comments
        ]
    )


def history_record_many(*, records: list[tuple[Agreement, Agreement, str]], user=None) -> None:
    """One revision per new agreement (agreement, its snapshot with rows read ahead, comment),
    all written in two statements: the bulk import's history."""
    if not records:
        return
    serialized = [_serialized(_snapshot_objects(snapshot)) for _agreement, snapshot, _ in records]
    with transaction.atomic(savepoint=False):
        revisions = _revisions_create([comment for _, _, comment in records], user)
        Version.objects.bulk_create(
            [
                _version(*row, revision)
                for revision, rows in zip(revisions, serialized, strict=True)
                for row in rows
            ]
        )


def history_record_current(*, records: list[tuple[Agreement, str]], user=None) -> None:
    """history_record for many agreements, (agreement, comment) each, as they are now in the
    database: read with one query per kind of row and written in two statements."""
    stored = _agreements_for_snapshot([agreement.pk for agreement, _comment in records])
    history_record_many(
        records=[(agreement, stored[agreement.pk], comment) for agreement, comment in records],
        user=user,
    )


BASELINE_COMMENT = "Läget innan historiken började föras."


def history_ensure_baseline(*, agreement: Agreement, stored: Agreement | None = None) -> None:
    """Before the first recorded change: keep the state the agreement had, so that the first
    change in the history has old values to show and a state to return to. `stored`: the
    version as agreements.document.agreement_document_stored read it before the change (then
    it is not read again)."""
    if stored is None:
        history_ensure_baselines(agreements=[agreement])
    elif agreement.pk and not Version.objects.get_for_object(agreement).exists():
        history_record(agreement=agreement, comment=BASELINE_COMMENT, written=stored)


def history_ensure_baselines(*, agreements) -> None:
    """history_ensure_baseline for many agreements, in a query and a write for them all."""
    recorded = set(
        Version.objects.get_for_model(Agreement)
        .filter(object_id__in=[str(agreement.pk) for agreement in agreements if agreement.pk])
        .values_list("object_id", flat=True)
    )
    history_record_current(
        records=[
            (agreement, BASELINE_COMMENT)
            for agreement in agreements
            if agreement.pk and str(agreement.pk) not in recorded
        ]
    )


# Snapshots ------------------------------------------------------------------------------

Key = tuple[type, str]


@dataclass
class Snapshot:
    """An agreement tree at one moment: (model, object id) → field values by attname."""

    objects: dict[Key, dict]

    def agreement_fields(self) -> dict:
        return next(
            (values for (model, _), values in self.objects.items() if model is Agreement), {}
        )


def _fields_of(version: Version) -> dict:
    return version.field_dict


def snapshot_of_revision(versions) -> Snapshot:
    return Snapshot({(v._model, v.object_id): _fields_of(v) for v in versions})


def snapshot_live(agreement: Agreement) -> Snapshot:
    """The agreement as it is in the database now, in the same form as a stored snapshot."""
    return Snapshot(
        {
            (version._model, version.object_id): version.field_dict
            for version in (
                _version(*row)
                for row in _serialized(_snapshot_objects(_agreement_for_snapshot(agreement.pk)))
            )
        }
    )


# Changes ---------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: SafeString
    new: SafeString


@dataclass
class ObjectChange:
    label: str
    action: str  # "added", "removed", "changed"
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return {"added": "Tillagt", "removed": "Borttaget", "changed": "Ändrat"}[self.action]


MODEL_ORDER = {
    "agreement": 0,
    "party": 1,
    "goal": 2,
    "commitment": 3,
    "agreementsection": 4,
    "attachment": 5,
}


def _short(text: str, length: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else f"{text[: length - 1]}…"


class _Names:
    """Readable names for the ids a snapshot holds, fetched once per model for a whole page."""

    def __init__(self, snapshots: list[Snapshot]):
        self.party_names: dict[str, str] = {}
        wanted: dict[type, set] = {}
        seen: set[int] = set()  # values shared by several snapshots are read once
        for snapshot in snapshots:
            for (model, _), values in snapshot.objects.items():
                if id(values) in seen:
                    continue
                seen.add(id(values))
                for model_field in _shown_fields(model):
                    if model_field.many_to_many:
                        wanted.setdefault(model_field.related_model, set()).update(
                            values.get(model_field.attname) or []
                        )
                    elif model_field.many_to_one and values.get(model_field.attname):
                        wanted.setdefault(model_field.related_model, set()).add(
                            values[model_field.attname]
                        )
        self.names = {
            model: {
                obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids).order_by()
            }
            for model, ids in wanted.items()
            if model is not Party
        }
        for snapshot in snapshots:
            for (model, object_id), values in snapshot.objects.items():
                if model is Party:
                    self.party_names[object_id] = self.name(
                        Party._meta.get_field("organisation"), values.get("organisation_id")
                    )

    def name(self, model_field, pk) -> str:
        if pk is None:
            return ""
        if model_field.related_model is Party:
            return self.party_names.get(str(pk), f"part {pk} (borttagen)")
        return self.names.get(model_field.related_model, {}).get(pk, f"{pk} (borttagen)")


def _display(model_field, value, names: _Names) -> str:
    if value in (None, "", []):
        return ""
    if model_field.many_to_many:
        return ", ".join(sorted(names.name(model_field, pk) for pk in value))
    if model_field.many_to_one:
        return names.name(model_field, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(model_field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    return str(value)


_TOKENS = re.compile(r"\S+|\s+")
EMPTY = mark_safe('<span class="history-empty">(tomt)</span>')


def _segments(old: str, new: str) -> list[tuple[bool, str, str]]:
    """(changed, old text, new text) runs of a word diff. Whitespace between two changes
    joins them, so that a rewritten sentence reads as one change, not word by word."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    runs: list[list] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        runs.append([tag != "equal", removed, added])
    merged: list[list] = []
    for index, run in enumerate(runs):
        between_changes = (
            not run[0]
            and not run[1].strip()
            and 0 < index < len(runs) - 1
            and runs[index - 1][0]
            and runs[index + 1][0]
        )
        if (run[0] or between_changes) and merged and merged[-1][0]:
            merged[-1][1] += run[1]
            merged[-1][2] += run[2]
        else:
            merged.append([run[0] or between_changes, run[1], run[2]])
    return [tuple(run) for run in merged]


def _marked(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Old and new text with the removed words in <del> and the added words in <ins>."""
    if not old or not new:
        return (escape(old) if old else EMPTY), (escape(new) if new else EMPTY)
    old_html, new_html = [], []
    for changed, removed, added in _segments(old, new):
        if not changed:
            old_html.append(escape(removed))
            new_html.append(escape(added))
            continue
        if removed:
            old_html.append(f"<del>{escape(removed)}</del>")
        if added:
            new_html.append(f"<ins>{escape(added)}</ins>")
    return mark_safe("".join(old_html)), mark_safe("".join(new_html))


def _object_label(model, values: dict, names: _Names) -> str:
    if model is Agreement:
        return "Överenskommelsen"
    if model is AgreementSection:
        return f"Avsnitt ”{_short(values.get('heading', ''))}”"
    if model is Party:
        organisation = Party._meta.get_field("organisation")
        return f"Part: {names.name(organisation, values.get('organisation_id'))}"
    if model is Goal:
        return f"Mål ”{_short(values.get('text', ''))}”"
    if model is Attachment:
        return f"Bilaga ”{_short(values.get('title', ''))}”"
    party = names.name(model._meta.get_field("party"), values.get("party_id"))
    return f"Åtagande för {party}: ”{_short(values.get('heading') or values.get('text', ''))}”"


@functools.cache
def _shown_fields(model):
    """The fields people edit."""
    return [
        f
        for f in model._meta.get_fields()
        if f.concrete and not f.auto_created and f.editable and f.name not in UNSHOWN_FIELDS
    ]


def _label(model_field) -> str:
    return capfirst(str(model_field.verbose_name))


def snapshot_diff(old: Snapshot, new: Snapshot, names: _Names | None = None) -> list[ObjectChange]:
    names = names or _Names([old, new])
    changes = []
    keys = sorted(
        set(old.objects) | set(new.objects),
        key=lambda key: (MODEL_ORDER.get(key[0]._meta.model_name, 9), int(key[1])),
    )
    for key in keys:
        model = key[0]
        before, after = old.objects.get(key), new.objects.get(key)
        if before is after:  # the same stored text (agreement_history): unchanged
            continue
        if before is None or after is None:
            values = after if before is None else before
            action = "added" if before is None else "removed"
            change = ObjectChange(_object_label(model, values, names), action)
            for model_field in _shown_fields(model):
                shown = _display(model_field, values.get(model_field.attname), names)
                if shown:
                    text = escape(shown)
                    change.fields.append(
                        FieldChange(
                            _label(model_field),
                            EMPTY if action == "added" else text,
                            text if action == "added" else EMPTY,
                        )
                    )
            changes.append(change)
            continue
        change = ObjectChange(_object_label(model, after, names), "changed")
        for model_field in _shown_fields(model):
            was, now = before.get(model_field.attname), after.get(model_field.attname)
            if model_field.many_to_many:
                was, now = sorted(was or []), sorted(now or [])
            elif isinstance(was, str) and isinstance(now, str):
                # Line endings alone are not a change a reader can see.
                was, now = was.replace("\r\n", "\n"), now.replace("\r\n", "\n")
            if was == now:
                continue
            old_text = _display(model_field, was, names)
            new_text = _display(model_field, now, names)
            if old_text == new_text:
                continue
            if isinstance(model_field, models.TextField):
                old_html, new_html = _marked(old_text, new_text)
            else:
                old_html = escape(old_text) if old_text else EMPTY
                new_html = escape(new_text) if new_text else EMPTY
            change.fields.append(FieldChange(_label(model_field), old_html, new_html))
        if change.fields:
            changes.append(change)
    return changes


# The history list -----------------------------------------------------------------------


@dataclass
class HistoryEntry:
    revision: Revision
    changes: list[ObjectChange]
    is_first: bool
    summary: str = ""

    @property
    def who(self) -> str:
        user = self.revision.user
        if user is None:
            return "Systemet"
        return user.get_full_name() or user.get_username()


def _revisions_with_snapshots(agreement: Agreement, limit: int | None):
    revision_ids = list(
        Version.objects.get_for_object(agreement)
        .order_by("-revision__date_created", "-revision_id")
        .values_list("revision_id", flat=True)
    )
    shown = revision_ids if limit is None else revision_ids[: limit + 1]
    revisions = {r.pk: r for r in Revision.objects.filter(pk__in=shown).select_related("user")}
    # A row that did not change between revisions has the same text in each (history_record
    # copies it): each text is read and parsed once, and its revisions share the values.
    versions = Version.objects.filter(revision_id__in=shown).annotate(digest=MD5("serialized_data"))
    parsed = {}
    for digest, content_type_id, format_, text in (
        versions.order_by("digest")
        .distinct("digest")
        .values_list("digest", "content_type_id", "format", "serialized_data")
    ):
        version = Version(content_type_id=content_type_id, format=format_, serialized_data=text)
        parsed[digest] = (version._model, version.field_dict)
    snapshots: dict[int, dict] = {pk: {} for pk in shown}
    for revision_id, object_id, digest in versions.values_list(
        "revision_id", "object_id", "digest"
    ):
        model, values = parsed[digest]
        snapshots[revision_id][(model, object_id)] = values
    return len(revision_ids), [(revisions[pk], Snapshot(snapshots[pk])) for pk in shown]


def agreement_history(*, agreement: Agreement, limit: int | None = 50) -> tuple[int, list]:
    """The newest `limit` revisions of the agreement, newest first, each with what changed
    since the revision before it. Returns (number of revisions in all, entries)."""
    total, rows = _revisions_with_snapshots(agreement, limit)
    names = _Names([snapshot for _, snapshot in rows])
    entries = []
    for index, (revision, snapshot) in enumerate(rows):
        if limit is not None and index == limit:
            break
        older = rows[index + 1][1] if index + 1 < len(rows) else None
        if older is None:
            parts = _count_parts(snapshot)
            entries.append(HistoryEntry(revision, [], True, parts))
        else:
            entries.append(HistoryEntry(revision, snapshot_diff(older, snapshot, names), False))
    return total, entries


def _count_parts(snapshot: Snapshot) -> str:
    counts = {}
    for model, _ in snapshot.objects:
        counts[model] = counts.get(model, 0) + 1
    labels = [
        (Party, "part", "parter"),
        (Goal, "mål", "mål"),
        (_commitment_model(), "åtagande", "åtaganden"),
        (AgreementSection, "avsnitt", "avsnitt"),
        (Attachment, "bilaga", "bilagor"),
    ]
    return ", ".join(
        f"{counts.get(model, 0)} {one if counts.get(model, 0) == 1 else many}"
        for model, one, many in labels
    )


def revision_of_agreement(*, agreement: Agreement, revision_id: int) -> Revision:
    """The revision, if it is a snapshot of this agreement; Revision.DoesNotExist otherwise."""
    return Revision.objects.select_related("user").get(
        pk=revision_id,
        pk__in=Version.objects.get_for_object(agreement).values("revision_id"),
    )


def revision_snapshot(revision: Revision) -> Snapshot:
    return snapshot_of_revision(revision.version_set.select_related("content_type"))


def snapshot_at_lock_version(*, agreement: Agreement, lock_version: int):
    """The revision the form showed when it was opened: the newest with this lock version or
    an earlier one, and its snapshot. (None, None) when the history does not reach back."""
    agreement_versions = (
        Version.objects.get_for_object(agreement)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-revision_id")
    )
    for version in agreement_versions:
        # Saves that changed nothing are not recorded, so the newest state at or before the
        # form's number is the one the form showed.
        if (version.field_dict.get("lock_version") or 0) <= lock_version:
            return version.revision, revision_snapshot(version.revision)
    return None, None


def revisions_since(*, agreement: Agreement, revision: Revision | None) -> list[Revision]:
    revisions = Revision.objects.filter(
        pk__in=Version.objects.get_for_object(agreement).values("revision_id")
    ).select_related("user")
    if revision is not None:
        revisions = revisions.filter(date_created__gt=revision.date_created)
    return list(revisions.order_by("date_created"))


def history_revert(*, revision: Revision) -> None:
    """Bring the objects of the revision back as they were (reversion's revert, deleting what
    it does not contain), with what snapshots leave out kept: reversion saves every object
    whole, so an attachment's text would be written empty. Its text stays when its file is
    the same, and is read again from the file otherwise."""
    from agreements.search import agreement_search_refresh

    attachment_type = ContentType.objects.get_for_model(Attachment)
    agreement_type = ContentType.objects.get_for_model(Agreement)
    versions = list(revision.version_set.filter(content_type__in=[attachment_type, agreement_type]))
    attachment_ids = [int(v.object_id) for v in versions if v.content_type_id == attachment_type.pk]
    before = {
        pk: (name, text)
        for pk, name, text in Attachment.objects.filter(pk__in=attachment_ids).values_list(
            "pk", "file", "extracted_text"
        )
    }
    revision.revert(delete=True)
    for attachment in Attachment.objects.filter(pk__in=attachment_ids):
        name, text = before.get(attachment.pk, (None, ""))
        if attachment.file.name != name:
            with attachment.file.open("rb") as handle:
                text = pdf_extract_text(handle)
        Attachment.objects.filter(pk=attachment.pk).update(extracted_text=text)
    # Reversion saves raw, which the search signals leave alone.
    agreement_search_refresh(
        agreement_ids=[v.object_id for v in versions if v.content_type_id == agreement_type.pk]
    )
