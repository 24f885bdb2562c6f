import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from reversion.models import Revision

from agreements import policy
from agreements.attachments import pdf_extract_text
from agreements.document import AGREEMENT, PARTY, ROWS, TEXT_SECTIONS, agreement_document_dump
from agreements.history import (
    Snapshot,
    history_ensure_baseline,
    history_record,
    history_revert,
    revision_of_agreement,
    revision_snapshot,
    snapshot_diff,
    snapshot_live,
)
from agreements.models import (
    Agreement,
    AgreementLineage,
    Attachment,
    Goal,
    Publication,
    validate_municipalities,
)
from agreements.signals import agreement_changes
from commitments.models import Commitment
from registry.documents import DocumentError, fail, full_clean


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


@agreement_changes()
def agreement_document_apply(*, agreement: Agreement, document: dict, user=None) -> Agreement:
    """Give the agreement version the content of the document (agreements/document.py): its
    fields and every list of parts. A field or list the document leaves out gets its default.
    All or nothing; a real change moves the version number of optimistic locking.

    `user`: the person writing (the API, the import). Links to other agreements then resolve
    only among those the user may see, and contact people change as the policy lets them.
    None is the registry's own loaders (fixtures, a revision's copy), which see everything.
    The document's `publication` is written as it stands: a writer publishes and
    unpublishes through agreement_publish/agreement_unpublish."""
    too_many = {
        rows.name: [message]
        for rows in ROWS
        if (message := rows.too_many(len(document.get(rows.name) or [])))
    }
    if too_many:
        raise DocumentError(too_many)
    before = agreement_document_dump(agreement=agreement) if agreement.pk else None
    kept_links = {
        linked.lineage.slug: linked
        for linked in (agreement.parent, agreement.annex_to, agreement.based_on)
        if agreement.pk and linked is not None
    }
    AGREEMENT.load_plain(agreement, document)
    AGREEMENT.load_single_keys(agreement, document, "", user=user, kept_links=kept_links)
    if agreement.publication == Publication.PUBLISHED and agreement.published_at is None:
        agreement.published_at = timezone.now()
    if agreement.publication == Publication.DRAFT:
        agreement.published_at = None
    full_clean(agreement)
    municipalities = AGREEMENT.keys["municipalities"].load_many(
        document.get("municipalities", []), "municipalities"
    )
    try:
        validate_municipalities(
            level=agreement.level, county=agreement.county, municipalities=municipalities
        )
    except ValidationError as error:
        raise DocumentError(error.message_dict) from None
    agreement.save()
    AGREEMENT.load_many_keys(agreement, document, "", user=user)

    parties: dict = {}
    for rows in ROWS:
        loaded = _rows_load(
            agreement, rows, document.get(rows.name, []), siblings=parties, user=user
        )
        if rows.part is PARTY:
            parties = {party.organisation.slug: party for party in loaded}
    if before is not None and agreement_document_dump(agreement=agreement) != before:
        Agreement.objects.filter(pk=agreement.pk).update(lock_version=F("lock_version") + 1)
        agreement.refresh_from_db(fields=["lock_version"])
    return agreement


def _rows_load(
    agreement: Agreement, rows, document_rows: list, *, siblings: dict, user=None
) -> list:
    """Write one list of parts: rows found again by `rows.match` are changed, new ones added,
    the agreement's other rows of that kind deleted."""
    part, related = rows.part, getattr(agreement, rows.related_name)
    match = [part.model_field(name).attname for name in rows.match]
    loaded: dict[tuple, object] = {}
    for index, row in enumerate(document_rows):
        path = f"{rows.name}[{index}]."
        holder = part.model(**{related.field.name: agreement})
        if rows.ordered:
            holder.order = index
        part.load_plain(holder, row)
        part.load_single_keys(holder, row, path, siblings=siblings, user=user)
        key = tuple(getattr(holder, name) for name in match)
        if key in loaded:
            fail(f"{path}{rows.match[0]}", rows.duplicate)
        instance = related.filter(**dict(zip(match, key, strict=True))).first() or holder
        if instance is not holder:
            for name in (*part.plain_fields, *part.keys, *(("order",) if rows.ordered else ())):
                if not part.is_many(name):
                    setattr(instance, name, getattr(holder, name))
        full_clean(instance, path)
        instance.save()
        part.load_many_keys(instance, row, path, user=user)
        loaded[key] = instance
    related.exclude(pk__in=[instance.pk for instance in loaded.values()]).delete()
    return list(loaded.values())


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
    try:
        agreement.full_clean()
    except ValidationError as error:
        problems.extend(error.messages)
    try:
        validate_municipalities(
            level=agreement.level,
            county=agreement.county,
            municipalities=agreement.municipalities.all(),
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
    for field, label in labels.items():
        related = getattr(agreement, field)
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
    agreement = _editable(agreement, user)
    problems = agreement_publication_problems(agreement, user=user)
    if problems:
        raise ValidationError(problems, code="not_publishable")
    history_ensure_baseline(agreement=agreement)
    agreement.publication = Publication.PUBLISHED
    agreement.published_at = timezone.now()
    _save(agreement)
    history_record(agreement=agreement, user=user, comment="Publicerad.")
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
    return agreement


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
    revised = agreement_document_apply(
        agreement=Agreement(
            lineage_id=source.lineage_id, version_number=document["version_number"]
        ),
        document=document,
    )
    history_record(
        agreement=revised,
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
    goals, a copied commitment …) through agreement_document_apply: `change(document)` edits
    the current document in place. Refused with nothing written if the user may not change
    the agreement, or if someone saved it after the page was opened at `opened_version`
    (optimistic locking, as on the agreement's head page). History records the change."""
    locked = _editable(agreement, user)
    if locked.lock_version != opened_version:
        raise StalePart(STALE_PART_MESSAGE, code="stale")
    document = agreement_document_dump(agreement=locked)
    change(document)
    history_ensure_baseline(agreement=locked)
    applied = agreement_document_apply(agreement=locked, document=document, user=user)
    history_record(agreement=applied, user=user, comment=comment, only_if_changed=True)
    return applied
