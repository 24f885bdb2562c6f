import copy
import datetime
import operator
from dataclasses import dataclass, field
from functools import partial, reduce

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from reversion.models import Revision

from actors.boundaries import agreement_day
from actors.models import Municipality
from agreements import jobs, policy
from agreements.attachments import pdf_extract_text
from agreements.document import (
    AGREEMENT,
    PARTY,
    ROWS,
    TEXT_SECTIONS,
    agreement_document_dump,
    agreement_document_stored,
)
from agreements.history import (
    Snapshot,
    history_ensure_baseline,
    history_ensure_baselines,
    history_record,
    history_record_current,
    history_record_many,
    history_revert,
    revision_of_agreement,
    revision_snapshot,
    snapshot_diff,
    snapshot_live,
)
from agreements.models import (
    AGREEMENT_LINKS,
    Agreement,
    AgreementLineage,
    AgreementSection,
    Attachment,
    Goal,
    ImportJob,
    ImportStatus,
    JobAction,
    Party,
    Publication,
    validate_municipalities,
)
from agreements.pdf_signals import agreement_pdf_changed
from agreements.signals import agreement_changes, agreements_touched
from commitments.document import COMMITMENT
from commitments.models import Commitment
from registry.documents import (
    DocumentError,
    clean_in_memory,
    fail,
    full_clean,
    prefetched_rows,
    related_rows,
    validate_constraints,
)


@agreement_changes()
def agreement_document_load(
    *, document: dict, update: bool = False, source: str = "fixtures"
) -> Agreement:
    """Create an agreement version from a document of fixtures/README.md's format.

    An existing version is left as staff may have edited it, unless update is true; then it
    is overwritten and its parts matched on their natural keys, so nothing is duplicated."""
    lineage, _ = AgreementLineage.objects.get_or_create(slug=document["lineage"])
    agreement = Agreement.objects.filter(
        lineage=lineage, version_number=document["version_number"]
    ).first()
    if agreement is not None and not update:
        return agreement
    if agreement is not None:
        history_ensure_baseline(agreement=agreement)
    agreement = agreement or Agreement(lineage=lineage, version_number=document["version_number"])
    agreement = agreement_document_apply(agreement=agreement, document=document)
    history_record(agreement=agreement, comment=f"Inläst från {source}.", only_if_changed=True)
    return agreement


@dataclass
class DocumentWrite:
    """What agreement_document_write did: the agreement, whether anything changed, and the
    version as written with its rows and tags read ahead (`state`), for its history."""

    agreement: Agreement
    changed: bool
    state: Agreement


def agreement_document_apply(
    *, agreement: Agreement, document: dict, user=None, stored: Agreement | None = None
) -> Agreement:
    """agreement_document_write, for callers that need only the agreement."""
    return agreement_document_write(
        agreement=agreement, document=document, user=user, stored=stored
    ).agreement


def agreement_document_write(
    *,
    agreement: Agreement,
    document: dict,
    user=None,
    stored: Agreement | None = None,
    known: dict | None = None,
) -> DocumentWrite:
    """Give the agreement version the content of the document (agreements/document.py): its
    fields and every list of parts. A field or list the document leaves out gets its default.
    All or nothing; a real change moves the version number of optimistic locking.

    Only what differs from what is stored is written: a row the document leaves as it is
    costs nothing, changed rows are written in one statement per kind, and the search
    document, the catalogue and the PDF hear of the write once (agreements/signals.py).

    `user`: the person writing (the API, the import). Links to other agreements then resolve
    only among those the user may see, and contact people change as the policy lets them.
    None is the registry's own loaders (fixtures, a revision's copy), which see everything.
    The document's `publication` is written as it stands: a writer publishes and
    unpublishes through agreement_publish/agreement_unpublish. `stored`: the version as
    agreement_document_stored read it in this transaction, when the caller has it. `known`:
    rows already looked up by their natural keys in this transaction (many documents written
    together share them)."""
    written: list = []  # (place, row, added) of every row written, in the document's order
    try:
        return _document_write(
            agreement=agreement,
            document=document,
            user=user,
            stored=stored,
            known=known,
            written=written,
        )
    except IntegrityError:
        # The database enforces the uniqueness and check constraints that clean_in_memory
        # leaves out; the write is rolled back, and model validation names the rule and the
        # place of the first row that breaks one, in Swedish.
        for _path, instance, added in written:
            if added:  # the row the rollback took back
                instance.pk = None
                instance._state.adding = True
        for path, instance, _added in written:
            validate_constraints(instance, path)
        raise


@agreement_changes()
def _document_write(
    *, agreement: Agreement, document: dict, user, stored, known, written: list
) -> DocumentWrite:
    too_many = {
        rows.name: [message]
        for rows in ROWS
        if (message := rows.too_many(len(document.get(rows.name) or [])))
    }
    if too_many:
        raise DocumentError(too_many)
    if stored is None and agreement.pk:
        stored = agreement_document_stored(agreement=agreement)
    was_published = stored is not None and stored.publication == Publication.PUBLISHED
    known = {} if known is None else known  # rows looked up by natural key, for every part
    _known_tags(stored, known)
    saved = stored is None or AGREEMENT.normalized(document) != AGREEMENT.dump(stored)
    if saved:
        tags = _agreement_write(
            agreement, document, stored=stored, user=user, known=known, written=written
        )
    else:
        tags = {name: list(related_rows(stored, name)) for name in _many(AGREEMENT)}
    state = copy.copy(agreement)
    state._prefetched_objects_cache = {}
    for name, rows in tags.items():
        prefetched_rows(state, name, rows)
    prefetched_rows(state, "attachments", stored.attachments.all() if stored else [])
    changed = saved
    parties: dict = {}
    gone: dict = {}  # model → ids deleted by this write (and the rows they took with them)
    for rows in ROWS:
        loaded, rows_changed = _rows_write(
            agreement,
            rows,
            document.get(rows.name) or [],
            stored_rows=getattr(stored, rows.related_name).all() if stored is not None else [],
            context={"siblings": parties, "user": user, "known": known},
            gone=gone,
            written=written,
        )
        changed |= rows_changed
        prefetched_rows(state, rows.related_name, loaded)
        if rows.part is PARTY:
            parties = {party.organisation.slug: party for party in loaded}
    if changed:
        _agreement_changed(
            agreement,
            existed=stored is not None,
            saved=saved,
            public=was_published or agreement.is_published,
        )
        state.lock_version, state.updated_at = agreement.lock_version, agreement.updated_at
    return DocumentWrite(agreement, changed, state)


def _many(part) -> list[str]:
    return [name for name in part.fields if part.is_many(name)]


def _known_tags(stored: Agreement | None, known: dict) -> None:
    """The vocabulary rows the stored version's commitments already name, so that a document
    naming them again costs no query (ids and keys are all a written relation needs)."""
    if stored is None:
        return
    commitments = list(stored.commitments.all())
    for name in _many(COMMITMENT):  # themes and target groups: read as id and key only
        codec = COMMITMENT.keys[name]
        found = known.setdefault(codec, {})
        for commitment in commitments:
            for row in related_rows(commitment, name):
                found.setdefault(getattr(row, codec.attribute), row)


def _agreement_write(
    agreement: Agreement, document: dict, *, stored, user, known, written: list
) -> dict:
    """The agreement's own fields and tags; returns the tags as written."""
    links = (stored.parent, stored.annex_to, stored.based_on) if stored is not None else ()
    kept_links = {linked.lineage.slug: linked for linked in links if linked is not None}
    AGREEMENT.load_plain(agreement, document)
    AGREEMENT.load_single_keys(
        agreement, document, "", user=user, kept_links=kept_links, known=known
    )
    if agreement.publication == Publication.PUBLISHED and agreement.published_at is None:
        agreement.published_at = timezone.now()
    if agreement.publication == Publication.DRAFT:
        agreement.published_at = None
    clean_in_memory(agreement)
    municipalities = AGREEMENT.keys["municipalities"].load_many(
        document.get("municipalities", []), "municipalities", known=known
    )
    try:
        validate_municipalities(
            level=agreement.level,
            county=agreement.county,
            municipalities=municipalities,
            day=agreement_day(agreement),
        )
    except ValidationError as error:
        raise DocumentError(error.message_dict) from None
    tags = {
        name: AGREEMENT.keys[name].load_many(document.get(name, []), name, user=user, known=known)
        for name in AGREEMENT.fields
        if AGREEMENT.is_many(name)
    }
    new = agreement.pk is None
    _checked_write([("", agreement)], agreement.save, written)
    _tags_write(AGREEMENT, [(agreement, tags, None if new else stored)])
    return tags


def _checked_write(checked: list, write, written: list) -> None:
    """Write rows validated in memory (clean_in_memory), noting them in `written` so that
    agreement_document_write can name the rule of a row the database refuses."""
    written.extend((path, instance, instance.pk is None) for path, instance in checked)
    write()


def _tags_write(part, changes: list) -> None:
    """Many-to-many relations of written rows: (instance, {field: rows}, stored instance or
    None when new). Only sets that differ are rewritten: per field one delete and one insert
    of the relation's rows, whatever the number of instances."""
    for name in part.fields:
        if not part.is_many(name):
            continue
        model_field = part.model_field(name)
        through = model_field.remote_field.through
        source, target = model_field.m2m_field_name(), model_field.m2m_reverse_field_name()
        rewritten, links = [], []
        for instance, tags, stored in changes:
            wanted = {row.pk for row in tags.get(name, [])}
            had = {row.pk for row in related_rows(stored, name)} if stored is not None else set()
            if wanted == had:
                continue
            if stored is not None:
                rewritten.append(instance.pk)
            links.extend(
                through(**{f"{source}_id": instance.pk, f"{target}_id": pk})
                for pk in sorted(wanted)
            )
        if rewritten:
            through.objects.filter(**{f"{source}_id__in": rewritten}).delete()
        if links:
            through.objects.bulk_create(links)


def _points_at_gone(instance, gone: dict) -> bool:
    return bool(gone) and any(
        getattr(instance, model_field.attname) in gone.get(model_field.related_model, ())
        for model_field in instance._meta.concrete_fields
        if model_field.many_to_one
    )


def _rows_write(
    agreement: Agreement,
    rows,
    document_rows: list,
    *,
    stored_rows,
    context: dict,
    gone: dict,
    written: list,
) -> tuple[list, bool]:
    """Write one list of parts: a row found again by `rows.match` is changed if the document
    changes it, new ones are added, the agreement's other rows of that kind deleted.
    Returns the rows in the document's order and whether anything was written."""
    part = rows.part
    agreement_field = getattr(Agreement, rows.related_name).field.name

    def key_of(row: dict, order: int) -> tuple:
        return tuple(order if name == "order" else row.get(name) for name in rows.match)

    stored_by_key: dict[tuple, tuple] = {}
    for instance in stored_rows:
        if not _points_at_gone(instance, gone):
            dumped = part.dump(instance)
            stored_by_key.setdefault(
                key_of(dumped, getattr(instance, "order", None)), (instance, dumped)
            )
    loaded: dict[tuple, object] = {}
    changes = []  # (index, row, key, stored instance or None)
    for index, row in enumerate(document_rows):
        # A row just as its stored row dumps needs no normalising (dump → apply changes
        # nothing): most rows of a part page's save.
        as_stored = stored_by_key.get(key_of(row, index), (None, None))[1] == row
        normal = row if as_stored else part.normalized(row)
        key = key_of(normal, index)
        if key in loaded:
            fail(f"{rows.name}[{index}].{rows.match[0]}", rows.duplicate)
        stored, dumped = stored_by_key.get(key, (None, None))
        unchanged = dumped == normal and (not rows.ordered or stored.order == index)
        loaded[key] = stored if unchanged else None
        if not unchanged:
            changes.append((index, row, key, stored))
    for name, codec in part.keys.items():  # each kind of related row looked up at once
        if hasattr(codec, "resolve"):
            values = [row.get(name) for _index, row, _key, _stored in changes]
            many = part.is_many(name)
            codec.resolve(
                [one for value in values for one in ((value or []) if many else [value])],
                context["known"],
            )
    checked, tags = [], []
    for index, row, key, stored in changes:
        path = f"{rows.name}[{index}]."
        instance = stored or part.model(**{agreement_field: agreement})
        if rows.ordered:
            instance.order = index
        part.load_plain(instance, row)
        part.load_single_keys(instance, row, path, **context)
        try:
            clean_in_memory(instance, path)
        except DocumentError:
            for earlier_path, earlier in checked:  # an earlier row's broken rule comes first
                full_clean(earlier, earlier_path)
            raise
        tags.append(
            (
                instance,
                {
                    name: codec.load_many(row.get(name), f"{path}{name}", **context)
                    for name, codec in part.keys.items()
                    if part.is_many(name)
                },
                stored,
            )
        )
        checked.append((path, instance))
        loaded[key] = instance
    kept = {instance.pk for instance in loaded.values() if instance.pk is not None}
    deleted = [
        instance.pk
        for instance in stored_rows
        if instance.pk not in kept and not _points_at_gone(instance, gone)
    ]
    if not checked and not deleted:
        return list(loaded.values()), False
    columns = [
        name
        for name in (*part.fields, *(("order",) if rows.ordered else ()))
        if not part.is_many(name)
    ]

    def write():
        if deleted:
            part.model.objects.filter(pk__in=deleted).delete()
        updated = [instance for _path, instance in checked if instance.pk is not None]
        if updated:
            part.model.objects.bulk_update(updated, columns)
        added = [instance for _path, instance in checked if instance.pk is None]
        if added:
            part.model.objects.bulk_create(added)
        _tags_write(part, tags)

    _checked_write(checked, write, written)
    for instance, instance_tags, _stored in tags:
        for name, related in instance_tags.items():
            prefetched_rows(instance, name, related)
    if deleted:
        gone[part.model] = set(deleted)
    return list(loaded.values()), True


def _agreement_changed(agreement: Agreement, *, existed: bool, saved: bool, public: bool) -> None:
    """After a write that changed the version: the lock number moves (and the time of the
    change with it), and the search document, the catalogue and the PDF hear of it once
    (a saved agreement's own signals have told the PDF)."""
    if existed:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Agreement._meta.db_table} SET lock_version = lock_version + 1, "
                "updated_at = %s WHERE id = %s RETURNING lock_version, updated_at",
                [timezone.now(), agreement.pk],
            )
            agreement.lock_version, agreement.updated_at = cursor.fetchone()
    agreements_touched([agreement.pk], public=public)
    if not saved:
        agreement_pdf_changed(agreement)


@agreement_changes()
def agreement_create(*, document: dict, user=None) -> Agreement:
    """A new agreement (version 1 of a new lineage) from a document. The lineage slug is the
    document's, or made from the title. `user` as for agreement_document_apply."""
    slug = document.get("lineage") or _free_lineage_slug(document.get("title", ""))
    if AgreementLineage.objects.filter(slug=slug).exists():
        fail("lineage", f"Kortnamnet {slug} används redan av en annan överenskommelse.")
    lineage = AgreementLineage.objects.create(slug=slug)
    return agreement_document_apply(
        agreement=Agreement(lineage=lineage, version_number=1), document=document, user=user
    )


@agreement_changes()
def agreements_documents_create(*, documents: list[dict], user=None, comment) -> list[Agreement]:
    """Many new agreements (each version 1 of a new lineage, as agreement_create) in one
    transaction, all or nothing: the bulk import's save. Each document is written by the
    document service with the rows it names looked up once for all of them; the search
    document, the catalogue and the PDF hear of the write once, at its end; the history gets
    one revision per agreement, all written together. `comment(index)`: the history's comment
    for the document at `index`. A DocumentError says which document in `document_index`."""
    written, known = [], {}
    lineages, refusals = _lineages_create(documents)
    for index, document in enumerate(documents):
        try:
            if index in refusals:
                fail("lineage", refusals[index])
            written.append(
                agreement_document_write(
                    agreement=Agreement(lineage=lineages[index], version_number=1),
                    document=document,
                    user=user,
                    known=known,
                )
            )
        except DocumentError as error:
            error.document_index = index
            raise
    history_record_many(
        records=[
            (write.agreement, write.state, comment(index)) for index, write in enumerate(written)
        ],
        user=user,
    )
    return [write.agreement for write in written]


def _lineages_create(documents: list[dict]) -> tuple[dict, dict]:
    """A new lineage for each document, as agreement_create makes one, for all documents in
    two queries: (index → lineage, index → why its slug cannot be used)."""
    bases = [
        document.get("lineage") or slugify(document.get("title", ""))[:100] or "overenskommelse"
        for document in documents
    ]
    taken = set(
        AgreementLineage.objects.filter(
            reduce(operator.or_, (Q(slug__startswith=base) for base in set(bases)), Q(pk__in=[]))
        ).values_list("slug", flat=True)
    )
    slugs, refusals = {}, {}
    for index, (document, base) in enumerate(zip(documents, bases, strict=True)):
        slug, number = base, 1
        if document.get("lineage"):
            if slug in taken:
                refusals[index] = f"Kortnamnet {slug} används redan av en annan överenskommelse."
                continue
        else:
            while slug in taken:
                number += 1
                slug = f"{base}-{number}"
        taken.add(slug)
        slugs[index] = slug
    created = AgreementLineage.objects.bulk_create(
        [AgreementLineage(slug=slug) for slug in slugs.values()]
    )
    return dict(zip(slugs, created, strict=True)), refusals


def _free_lineage_slug(title: str) -> str:
    base = slugify(title)[:100] or "overenskommelse"
    slug, number = base, 1
    while AgreementLineage.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


# The staff workflow: revise, publish, unpublish, restore ---------------------------------


def _editable(agreement: Agreement, user) -> Agreement:
    """The agreement, locked for this transaction, if the user may change it."""
    locked = Agreement.objects.editable_by(user).select_for_update().filter(pk=agreement.pk).first()
    if locked is None:
        raise PermissionDenied("Du får bara ändra överenskommelser i ditt eget län.")
    return locked


def _save(agreement: Agreement) -> None:
    agreement.lock_version += 1
    agreement.full_clean()
    agreement.save()


def _revision_problems(agreement: Agreement) -> list[str]:
    """A revision replaces a version readers rely on, so it must say which version it is and
    from when it applies. A first version is not held to this: many registered agreements
    are historical and their dates are not known; the public pages show that as unknown."""
    if agreement.version_number <= 1:
        return []
    problems = []
    if not agreement.version_label.strip():
        problems.append(
            "Ange versionsbeteckning, till exempel ”Reviderad mars 2010”, så att läsarna ser "
            "vilken version det är."
        )
    if agreement.signed_on is None:
        problems.append("Ange datum då den reviderade versionen undertecknades (”undertecknad”).")
    if agreement.valid_from is None:
        problems.append(
            "Ange från vilket datum den reviderade versionen gäller (”gäller från”). Den "
            "tidigare versionen slutar gälla dagen före."
        )
    return problems


def agreement_publication_problems(agreement: Agreement, *, user=None) -> list[str]:
    """What the agreement lacks before it may be published, as sentences that say what to do.
    An empty list means it may be published. A linked agreement is named only if `user` may
    see it (policy.may_see_agreement): another county's draft is "not published", untitled."""
    problems: list[str] = []
    if agreement.is_published:
        problems.append("Överenskommelsen är redan publicerad.")
    # Model validation of the stored version, without what its database already holds it to
    # (uniqueness, check constraints, relations that exist): a query each, on every head page.
    relations = [field.name for field in agreement._meta.concrete_fields if field.many_to_one]
    for validate in (partial(agreement.clean_fields, exclude=relations), agreement.clean):
        try:
            validate()
        except ValidationError as error:
            problems.extend(error.messages)
    try:
        validate_municipalities(
            level=agreement.level,
            county=agreement.county,
            municipalities=agreement.municipalities.all(),
            day=agreement_day(agreement),
        )
    except ValidationError as error:
        problems.extend(error.messages)
    problems.extend(_revision_problems(agreement))
    if not agreement.parties.exists():
        problems.append("Överenskommelsen har inga parter. Lägg till minst en part.")
    has_content = (
        any(getattr(agreement, section) for section in TEXT_SECTIONS)
        or agreement.sections.exists()
        or agreement.commitments.exists()
        or agreement.attachments.exists()
    )
    if not has_content:
        problems.append(
            "Överenskommelsen har inget innehåll. Skriv till exempel syftet, lägg till "
            "åtaganden eller bifoga det undertecknade originalet."
        )
    newer = (
        Agreement.objects.published()
        .filter(lineage_id=agreement.lineage_id, version_number__gt=agreement.version_number)
        .order_by("-version_number")
        .first()
    )
    if newer is not None:
        problems.append(
            f"En nyare version (version {newer.version_number}) är redan publicerad. "
            "En äldre version kan inte publiceras igen."
        )
    labels = {
        "parent": "Paraplyöverenskommelsen",
        "annex_to": "Överenskommelsen som hängavtalet hör till",
        "based_on": "Överenskommelsen som den bygger på",
    }
    for name, label in labels.items():
        related = getattr(agreement, name)
        if related is not None and not related.is_published:
            named = user is None or policy.may_see_agreement(user, related)
            problems.append(
                f"{label}{f' ({related})' if named else ''} är inte publicerad. Publicera den "
                "först eller töm fältet."
            )
    return problems


def _superseded_until(previous: Agreement, new: Agreement) -> datetime.date:
    until = new.valid_from - datetime.timedelta(days=1)
    if previous.valid_from and until < previous.valid_from:
        until = previous.valid_from
    return until


@agreement_changes()
def agreement_publish(*, agreement: Agreement, user) -> Agreement:
    """Publish the agreement, or raise a ValidationError listing what it lacks. Publishing a
    newer version marks the earlier published versions superseded: an empty "gäller till"
    becomes the day before the new version's "gäller från", which a revision must have."""
    outcome = agreements_publish(agreements=[_editable(agreement, user)], user=user)
    for _refused, problems in outcome.refused:
        raise ValidationError(problems, code="not_publishable")
    return outcome.published[0]


@dataclass
class PublishOutcome:
    """What agreements_publish did: the agreements published, and those refused with what
    each lacks."""

    published: list[Agreement] = field(default_factory=list)
    refused: list[tuple[Agreement, list[str]]] = field(default_factory=list)

    @property
    def refusals(self) -> list[str]:
        return [
            f"{agreement} publicerades inte: {' '.join(problems)}"
            for agreement, problems in self.refused
        ]


PUBLISHED_COMMENT = "Publicerad."


@agreement_changes()
def agreements_publish(*, agreements, user, progress=None) -> PublishOutcome:
    """Publish each of the agreements as agreement_publish does, each all or nothing: one
    that lacks something (agreement_publication_problems) is refused with what it lacks, and
    the others are published all the same. Those that others of the selection link to
    (umbrella, annex, based on) come first, and an older version before a newer one, so that
    an import's agreements are published together. One transaction: what the agreements
    need for their checks is read for all of them at once, the search and the catalogue are
    refreshed once, and the history is written together. An agreement the user may not
    change is refused. `progress(done)` is called after each agreement."""
    ids = [agreement.pk for agreement in agreements]
    locked = {
        agreement.pk: agreement
        for agreement in _for_publishing(
            Agreement.objects.editable_by(user).select_for_update(of=("self",)).filter(pk__in=ids)
        )
    }
    outcome = PublishOutcome()
    for agreement in agreements:
        if agreement.pk not in locked:
            outcome.refused.append(
                (agreement, ["Du får bara ändra överenskommelser i ditt eget län."])
            )
    for agreement in locked.values():  # a link within the selection sees it published
        for name in AGREEMENT_LINKS:
            linked = locked.get(getattr(agreement, f"{name}_id"))
            if linked is not None:
                setattr(agreement, name, linked)
    history_ensure_baselines(agreements=list(locked.values()))
    now, history = timezone.now(), []
    ordered = _links_first(sorted(locked.values(), key=lambda agreement: agreement.version_number))
    for done, agreement in enumerate(ordered, start=len(outcome.refused) + 1):
        problems = agreement_publication_problems(agreement, user=user)
        if problems:
            outcome.refused.append((agreement, problems))
        else:
            agreement.publication = Publication.PUBLISHED
            agreement.published_at = now
            agreement.lock_version += 1
            agreement.save()
            outcome.published.append(agreement)
            history.append((agreement, PUBLISHED_COMMENT))
            if agreement.version_number > 1:
                history_record_current(records=history, user=user)
                history = []
                _earlier_superseded(agreement, user=user)
        if progress is not None:
            progress(done)
    history_record_current(records=history, user=user)
    return outcome


# A selection of more agreements than this is published by a background job
# (agreements/tasks.py): no request of the import workflow may take over 2 s, and publishing
# 20 imported agreements (10 parties and 10 commitments each) took 1.4 s in a request on a
# loaded development server (checks, history, search refresh).
PUBLISH_JOB_THRESHOLD = 10
PUBLISH_JOB_FAILED = (
    "Något gick fel när överenskommelserna publicerades. Ingen av dem är publicerad. Försök "
    "igen om en stund; händer det igen, kontakta registrets förvaltare."
)


def publish_job_start(*, agreements, user) -> ImportJob:
    """A job that publishes the agreements in the background (agreements_publish)."""
    from agreements.tasks import agreements_publish_run

    ids = [agreement.pk for agreement in agreements]
    return jobs.job_start(
        task=agreements_publish_run,
        action=JobAction.PUBLISH,
        user=user,
        agreement_ids=ids,
        total=len(ids),
    )


def publish_job_run(*, job_id: int) -> str:
    """Publish the job's agreements in one transaction (agreements/jobs.py); its errors are
    the agreements refused and why."""

    def work(job: ImportJob, progress):
        selected = list(Agreement.objects.filter(pk__in=job.agreement_ids))
        outcome = agreements_publish(agreements=selected, user=job.user, progress=progress)
        return ImportStatus.DONE, len(outcome.published), outcome.refusals

    return jobs.job_run(
        job_id=job_id, action=JobAction.PUBLISH, work=work, failed=PUBLISH_JOB_FAILED
    )


def _for_publishing(agreements):
    """The agreements with what agreement_publication_problems reads of each read ahead for
    all of them: links, county, municipalities with their boundaries, and whether they have
    parties and content."""
    return agreements.select_related(
        "lineage", "county", "parent", "annex_to", "based_on"
    ).prefetch_related(
        Prefetch(
            "municipalities",
            queryset=Municipality.objects.prefetch_related("memberships__county", "formed_from"),
        ),
        *(
            Prefetch(name, queryset=model.objects.only("pk", "agreement_id"))
            for name, model in (
                ("parties", Party),
                ("sections", AgreementSection),
                ("commitments", Commitment),
                ("attachments", Attachment),
            )
        ),
    )


def _links_first(agreements: list[Agreement]) -> list[Agreement]:
    """The agreements in an order where one comes after those of the list it links to:
    publishing requires them published."""
    by_id = {agreement.pk: agreement for agreement in agreements}
    ordered, placed = [], set()

    def place(agreement):
        if agreement.pk in placed:
            return
        placed.add(agreement.pk)
        for name in AGREEMENT_LINKS:
            linked = by_id.get(getattr(agreement, f"{name}_id"))
            if linked is not None:
                place(linked)
        ordered.append(agreement)

    for agreement in agreements:
        place(agreement)
    return ordered


def _earlier_superseded(agreement: Agreement, *, user) -> None:
    """The earlier published versions of a newly published one, marked superseded."""
    earlier = (
        Agreement.objects.published()
        .select_for_update()
        .filter(
            lineage_id=agreement.lineage_id,
            version_number__lt=agreement.version_number,
            valid_until__isnull=True,
        )
    )
    for previous in earlier:
        history_ensure_baseline(agreement=previous)
        previous.valid_until = _superseded_until(previous, agreement)
        _save(previous)
        history_record(
            agreement=previous,
            user=user,
            comment=f"Ersatt av version {agreement.version_number}: gäller till "
            f"{date_format(previous.valid_until, 'j F Y')}.",
        )


@agreement_changes()
def agreement_unpublish(*, agreement: Agreement, user, reason: str) -> Agreement:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Skriv varför överenskommelsen avpubliceras; skälet sparas i historiken."}
        )
    agreement = _editable(agreement, user)
    if not agreement.is_published:
        raise ValidationError("Överenskommelsen är inte publicerad.")
    history_ensure_baseline(agreement=agreement)
    agreement.publication = Publication.DRAFT
    agreement.published_at = None
    _save(agreement)
    history_record(agreement=agreement, user=user, comment=f"Avpublicerad. Skäl: {reason}")
    return agreement


# A revision is the document of the version it revises (agreements/document.py), without
# what belongs to the version that was signed. The revise page shows these labels.
REVISION_CLEARED_FIELDS = {
    "version_label": "versionsbeteckning",
    "signed_on": "datum då överenskommelsen undertecknades",
    "valid_from": "gäller från",
    "valid_until": "gäller till",
}
REVISION_CLEARED_PARTY_FIELDS = {
    "signatory_name": "vem som undertecknade för varje part",
    "signatory_title": "undertecknarens titel",
    "signed_on": "datum för varje underskrift",
}
REVISION_NOT_COPIED = {
    "attachments": "bilagor (det undertecknade originalet och andra)",
    "reception_figures": "mottagandesiffror (de hör till versionen som angav dem)",
}


@dataclass(frozen=True)
class RevisionCopySummary:
    copied: tuple[str, ...]
    not_copied: tuple[str, ...]


def revision_copy_summary() -> RevisionCopySummary:
    """What agreement_revise copies and leaves out, in the words the revise page uses."""
    lists = [rows for rows in ROWS if rows.name not in REVISION_NOT_COPIED]
    tags = [name for name in AGREEMENT.fields if AGREEMENT.is_many(name)]
    return RevisionCopySummary(
        copied=(
            "titel, nivå, län, texter och övriga uppgifter om överenskommelsen",
            *(str(rows.part.model._meta.verbose_name_plural) for rows in lists),
            *(str(AGREEMENT.model_field(name).verbose_name) for name in tags),
        ),
        not_copied=(
            *REVISION_CLEARED_FIELDS.values(),
            *REVISION_CLEARED_PARTY_FIELDS.values(),
            *REVISION_NOT_COPIED.values(),
        ),
    )


def _cleared(part, names) -> dict:
    return {name: part.model_field(name).get_default() for name in names}


def revision_document(*, source: Agreement) -> dict:
    """The document a revision of `source` starts from."""
    document = agreement_document_dump(agreement=source)
    document |= _cleared(AGREEMENT, REVISION_CLEARED_FIELDS)
    document |= {name: [] for name in REVISION_NOT_COPIED if name in document}
    document["parties"] = [
        party | _cleared(PARTY, REVISION_CLEARED_PARTY_FIELDS) for party in document["parties"]
    ]
    return document | {
        "version_number": source.version_number + 1,
        "publication": Publication.DRAFT,
    }


@agreement_changes()
def agreement_revise(*, agreement: Agreement, user) -> Agreement:
    """The next version of the agreement as a draft in the same lineage: a copy of what
    revision_copy_summary() names as copied, written by the one document service."""
    source = _editable(agreement, user)
    newest = (
        Agreement.objects.filter(lineage_id=source.lineage_id).order_by("-version_number").first()
    )
    if newest.pk != source.pk:
        raise ValidationError(
            f"Det finns redan en nyare version: {newest} (version {newest.version_number}, "
            f"{newest.get_publication_display().lower()}). Revidera eller ändra den i stället."
        )
    if not source.is_published:
        raise ValidationError(
            "Utkastet är inte publicerat än. Ändra det direkt; revidera en publicerad version."
        )
    document = revision_document(source=source)
    written = agreement_document_write(
        agreement=Agreement(
            lineage_id=source.lineage_id, version_number=document["version_number"]
        ),
        document=document,
    )
    revised = written.agreement
    history_record(
        agreement=revised,
        written=written.state,
        user=user,
        comment=f"Ny version {revised.version_number}, reviderad från version "
        f"{source.version_number}.",
    )
    return revised


# Restoring changes content, not the workflow: these stay as they are now.
RESTORE_KEEPS = ("lineage_id", "version_number", "version_label", "publication", "published_at")
# The dates of a published version are what its readers go by; they are restored only when
# the officer asks for it on the preview.
RESTORE_DATES = ("signed_on", "valid_from", "valid_until")


@dataclass
class RestorePlan:
    """What restoring `revision` writes: the revision's snapshot with the kept fields set to
    their values now. The preview shows `changes()`; agreement_restore writes `target`."""

    agreement: Agreement
    revision: Revision
    kept: dict
    target: Snapshot
    dates_kept: bool

    def changes(self) -> list:
        return snapshot_diff(snapshot_live(self.agreement), self.target)

    def date_changes(self) -> list[tuple[str, datetime.date | None, datetime.date | None]]:
        """(label, now, in the revision) of the dates kept because the officer did not ask
        for them: what ticking "Återställ även datumen" would change besides."""
        then = self.target.agreement_fields()
        restored = revision_snapshot(self.revision).agreement_fields()
        return [
            (Agreement._meta.get_field(name).verbose_name, then.get(name), restored.get(name))
            for name in RESTORE_DATES
            if self.dates_kept and then.get(name) != restored.get(name)
        ]


def agreement_restore_plan(
    *, agreement: Agreement, revision: Revision, restore_dates: bool = False
) -> RestorePlan:
    kept_names = RESTORE_KEEPS
    dates_kept = agreement.is_published and not restore_dates
    if dates_kept:
        kept_names += RESTORE_DATES
    kept = {name: getattr(agreement, name) for name in kept_names}
    snapshot = revision_snapshot(revision)
    target = Snapshot(
        {
            key: {**values, **kept} if key[0] is Agreement else values
            for key, values in snapshot.objects.items()
        }
    )
    return RestorePlan(agreement, revision, kept, target, dates_kept)


@agreement_changes()
def agreement_restore(
    *, agreement: Agreement, revision_id: int, user, restore_dates: bool = False
) -> Agreement:
    """Bring the agreement and its parts back to a state in its history, as
    agreement_restore_plan() says: publication, version and lineage stay as they are now,
    and so do a published version's dates unless `restore_dates`."""
    from followup.models import CommitmentAssessment, GoalOutcome

    current = _editable(agreement, user)
    revision = revision_of_agreement(agreement=current, revision_id=revision_id)
    plan = agreement_restore_plan(agreement=current, revision=revision, restore_dates=restore_dates)
    kept = {
        model: {int(pk) for (m, pk) in plan.target.objects if m is model}
        for model in (Goal, Commitment)
    }
    assessed = CommitmentAssessment.objects.filter(commitment__agreement=current).exclude(
        commitment_id__in=kept[Commitment]
    )
    measured = GoalOutcome.objects.filter(goal__agreement=current).exclude(goal_id__in=kept[Goal])
    if assessed.exists() or measured.exists():
        raise ValidationError(
            "Läget kan inte återställas: åtaganden eller mål som har tillkommit sedan dess har "
            "bedömts i en uppföljning och skulle tas bort med bedömningarna. Ändra i stället "
            "de enskilda uppgifterna."
        )
    history_ensure_baseline(agreement=current)
    history_revert(revision=revision)
    Agreement.objects.filter(pk=current.pk).update(
        **plan.kept, lock_version=current.lock_version + 1, updated_at=timezone.now()
    )
    restored = Agreement.objects.get(pk=current.pk)
    who = (revision.user.get_full_name() or revision.user.get_username()) if revision.user else ""
    when = date_format(timezone.localtime(revision.date_created), "j F Y H:i")
    dates = " Datumen behölls." if plan.date_changes() else ""
    history_record(
        agreement=restored,
        user=user,
        comment=f"Återställd till läget {when}{f' ({who})' if who else ''}.{dates}",
    )
    return restored


@transaction.atomic
def attachment_text_extract(*, attachment: Attachment) -> Attachment:
    """Read the PDF's text into extracted_text, for search."""
    attachment.file.open("rb")
    try:
        attachment.extracted_text = pdf_extract_text(attachment.file)
    finally:
        attachment.file.close()
    attachment.save(update_fields=["extracted_text"])
    return attachment


# Parts of an agreement, edited one page at a time (agreements/admin_parts.py) ------------

STALE_PART_MESSAGE = (
    "Någon annan har sparat överenskommelsen medan du hade sidan öppen, så inget av det du "
    "skrev är sparat. Öppna sidan igen för att se deras ändringar och gör om dina."
)


class StalePart(ValidationError):
    """The page was opened at an older lock number than the agreement has now."""


@agreement_changes()
def agreement_part_apply(
    *, agreement: Agreement, user, opened_version: int, change, comment: str
) -> Agreement:
    """Write one part of the agreement (a party with its goals and commitments, the common
    goals, a moved or copied commitment …) through the document service: `change(document)`
    edits the current document in place and only what it changed is written. Refused with
    nothing written if the user may not change the agreement (PermissionDenied), or if
    someone saved it after the page was opened at `opened_version` (StalePart: optimistic
    locking, as on the agreement's head page). History records the change. The stored
    version is read once for the document, the comparison and the history."""
    locked = _editable(agreement, user)
    if locked.lock_version != opened_version:
        raise StalePart(STALE_PART_MESSAGE, code="stale")
    stored = agreement_document_stored(agreement=locked)
    document = agreement_document_dump(agreement=locked, stored=stored)
    change(document)
    history_ensure_baseline(agreement=locked, stored=stored)
    written = agreement_document_write(
        agreement=locked, document=document, user=user, stored=stored
    )
    if written.changed:
        history_record(
            agreement=written.agreement, user=user, comment=comment, written=written.state
        )
    return written.agreement
