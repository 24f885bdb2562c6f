import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateformat import format as date_format

from actors.models import ContactPerson, County, Municipality, Organisation
from actors.services import FixtureError
from agreements.history import (
    history_ensure_baseline,
    history_record,
    revision_of_agreement,
    revision_snapshot,
)
from agreements.models import (
    Agreement,
    AgreementLineage,
    AgreementSection,
    Attachment,
    Goal,
    LegalReference,
    Party,
    Perspective,
    Publication,
    validate_municipalities,
)
from agreements.pdf import pdf_extract_text
from commitments.models import Commitment, TargetGroup, Theme
from followup.models import ReceptionFigure

TEXT_SECTIONS = (
    "background",
    "purpose",
    "target_group",
    "organisation",
    "followup_routine",
    "revision_routine",
    "disagreement_handling",
    "communication",
)


class DocumentReader:
    """Resolves the natural keys of an agreement document (slugs, codes) to rows, with
    errors that name the document and the key."""

    def __init__(self, document: dict, source: str):
        self.document = document
        self.source = source

    def fail(self, message: str):
        raise FixtureError(f"{self.source}: {message}")

    def get(self, model, label: str, **lookup):
        try:
            return model.objects.get(**lookup)
        except model.DoesNotExist:
            value = ", ".join(str(v) for v in lookup.values())
            self.fail(f"{label} {value} finns inte.")

    def many(self, model, label: str, field: str, values) -> list:
        found = {
            getattr(row, field): row for row in model.objects.filter(**{f"{field}__in": values})
        }
        missing = [value for value in values if value not in found]
        if missing:
            self.fail(f"{label} finns inte: {', '.join(missing)}.")
        return [found[value] for value in values]

    def organisation(self, slug: str) -> Organisation:
        return self.get(Organisation, "organisationen", slug=slug)

    def latest_version(self, lineage_slug: str | None) -> Agreement | None:
        if not lineage_slug:
            return None
        agreement = (
            Agreement.objects.filter(lineage__slug=lineage_slug).order_by("-version_number").first()
        )
        if agreement is None:
            self.fail(f"överenskommelsen {lineage_slug} finns inte (ladda den först).")
        return agreement


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _full_clean(instance, reader: DocumentReader, label: str, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        reader.fail(f"{label}: {'; '.join(error.messages)}")


@transaction.atomic
def agreement_document_load(*, document: dict, source: str, update: bool = False) -> Agreement:
    """Create an agreement version from a document of fixtures/README.md's format.

    An existing version is left as staff may have edited it, unless update is true; then it
    is overwritten and its parts matched on their natural keys, so nothing is duplicated."""
    reader = DocumentReader(document, source)
    lineage, _ = AgreementLineage.objects.get_or_create(slug=document["lineage"])
    agreement = Agreement.objects.filter(
        lineage=lineage, version_number=document["version_number"]
    ).first()
    if agreement is not None and not update:
        return agreement
    agreement = agreement or Agreement(lineage=lineage, version_number=document["version_number"])

    county = (
        reader.get(County, "länet", code=document["county"]) if document.get("county") else None
    )
    municipalities = reader.many(
        Municipality, "kommunerna", "code", document.get("municipalities", [])
    )
    fields = {
        "version_label": document.get("version_label", ""),
        "title": document["title"],
        "alias": document.get("alias", ""),
        "registration_number": document.get("registration_number", ""),
        "level": document["level"],
        "kind": document.get("kind", "agreement"),
        "county": county,
        "parent": reader.latest_version(document.get("parent")),
        "annex_to": reader.latest_version(document.get("annex_to")),
        "based_on": reader.latest_version(document.get("based_on")),
        "followup_frequency": document.get("followup_frequency", ""),
        "followup_responsible": (
            reader.organisation(document["followup_responsible"])
            if document.get("followup_responsible")
            else None
        ),
        "signed_on": _date(document.get("signed_on")),
        "valid_from": _date(document.get("valid_from")),
        "valid_until": _date(document.get("valid_until")),
        "is_good_example": document.get("is_good_example", False),
        "good_example_note": document.get("good_example_note", ""),
        "publication": document.get("publication", Publication.DRAFT),
    }
    fields |= {section: document.get(section, "") for section in TEXT_SECTIONS}
    for field, value in fields.items():
        setattr(agreement, field, value)
    if agreement.publication == Publication.PUBLISHED and agreement.published_at is None:
        agreement.published_at = timezone.now()
    _full_clean(agreement, reader, "överenskommelsen")
    try:
        validate_municipalities(level=agreement.level, county=county, municipalities=municipalities)
    except ValidationError as error:
        reader.fail("; ".join(error.messages))
    agreement.save()

    agreement.municipalities.set(municipalities)
    agreement.themes.set(reader.many(Theme, "temana", "slug", document.get("themes", [])))
    agreement.target_groups.set(
        reader.many(TargetGroup, "målgrupperna", "slug", document.get("target_groups", []))
    )
    agreement.perspectives.set(
        reader.many(Perspective, "perspektiven", "slug", document.get("perspectives", []))
    )
    agreement.legal_references.set(
        reader.many(LegalReference, "författningarna", "sfs", document.get("legal_references", []))
    )

    _sections_load(agreement, document.get("extra_sections", []))
    parties = _parties_load(agreement, reader, document.get("parties", []))
    _goals_load(agreement, reader, parties, document.get("goals", []))
    _commitments_load(agreement, reader, parties, document.get("commitments", []))
    agreement.contacts.set(_contacts_load(reader, document.get("contacts", [])))
    _reception_figures_load(agreement, reader, document.get("reception_figures", []))
    history_record(agreement=agreement, comment=f"Inläst från {source}.", only_if_changed=True)
    return agreement


def _keep_only(queryset, keep_ids) -> None:
    queryset.exclude(pk__in=keep_ids).delete()


def _sections_load(agreement, rows) -> None:
    keep = []
    for order, row in enumerate(rows):
        section, _ = AgreementSection.objects.update_or_create(
            agreement=agreement,
            order=order,
            defaults={"heading": row["heading"], "text": row["text"]},
        )
        keep.append(section.pk)
    _keep_only(agreement.sections.all(), keep)


def _parties_load(agreement, reader, rows) -> dict[str, Party]:
    parties = {}
    for order, row in enumerate(rows):
        organisation = reader.organisation(row["organisation"])
        party = Party.objects.filter(agreement=agreement, organisation=organisation).first()
        party = party or Party(agreement=agreement, organisation=organisation)
        party.role = row.get("role", "signatory")
        party.is_convener = row.get("is_convener", False)
        party.signatory_name = row.get("signatory_name", "")
        party.signatory_title = row.get("signatory_title", "")
        party.signed_on = _date(row.get("signed_on"))
        party.order = order
        _full_clean(party, reader, f"parten {organisation}", exclude=["agreement"])
        party.save()
        parties[row["organisation"]] = party
    _keep_only(agreement.parties.all(), [party.pk for party in parties.values()])
    return parties


def _party_of(reader, parties, slug, what) -> Party | None:
    if not slug:
        return None
    if slug not in parties:
        reader.fail(f"{what} hör till {slug}, som inte är part i överenskommelsen.")
    return parties[slug]


def _goals_load(agreement, reader, parties, rows) -> None:
    keep = []
    for order, row in enumerate(rows):
        goal = Goal.objects.filter(agreement=agreement, order=order).first() or Goal(
            agreement=agreement, order=order
        )
        goal.text = row["text"]
        goal.party = _party_of(reader, parties, row.get("party"), "målet")
        for field in ("indicator", "unit"):
            setattr(goal, field, row.get(field, ""))
        for field in ("baseline_value", "baseline_year", "target_value", "target_year"):
            setattr(goal, field, row.get(field))
        _full_clean(goal, reader, f"mål {order + 1}")
        goal.save()
        keep.append(goal.pk)
    _keep_only(agreement.goals.all(), keep)


def _commitments_load(agreement, reader, parties, rows) -> None:
    keep = []
    for order, row in enumerate(rows):
        party = _party_of(reader, parties, row["party"], f"åtagande {order + 1}")
        commitment = Commitment.objects.filter(agreement=agreement, order=order).first()
        commitment = commitment or Commitment(agreement=agreement, order=order)
        commitment.party = party
        commitment.heading = row.get("heading", "")
        commitment.text = row["text"]
        commitment.phase = row.get("phase", "")
        for field in ("activity_how", "activity_when", "activity_followup"):
            setattr(commitment, field, row.get(field, ""))
        _full_clean(commitment, reader, f"åtagande {order + 1}")
        commitment.save()
        commitment.themes.set(reader.many(Theme, "temana", "slug", row.get("themes", [])))
        commitment.target_groups.set(
            reader.many(TargetGroup, "målgrupperna", "slug", row.get("target_groups", []))
        )
        keep.append(commitment.pk)
    _keep_only(agreement.commitments.all(), keep)


def _contacts_load(reader, rows) -> list[ContactPerson]:
    contacts = []
    for row in rows:
        organisation = reader.organisation(row["organisation"])
        contact, _ = ContactPerson.objects.update_or_create(
            organisation=organisation,
            email=row.get("email", ""),
            name=row.get("name", ""),
            defaults={
                "title": row.get("title", ""),
                "phone": row.get("phone", ""),
                "is_public": row.get("is_public", False),
            },
        )
        _full_clean(contact, reader, f"kontakten {contact}")
        contacts.append(contact)
    return contacts


def _reception_figures_load(agreement, reader, rows) -> None:
    keep = []
    codes = {row["municipality"] for row in rows}
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    for row in rows:
        if row["municipality"] not in municipalities:
            reader.fail(f"kommunen {row['municipality']} i mottagandetabellen finns inte.")
        figure, _ = ReceptionFigure.objects.update_or_create(
            municipality=municipalities[row["municipality"]],
            year=row["year"],
            source_agreement=agreement,
            defaults={
                "agreed_number": row["agreed_number"],
                "assigned_number": row.get("assigned_number"),
            },
        )
        _full_clean(figure, reader, f"mottagandesiffran {figure}")
        keep.append(figure.pk)
    _keep_only(agreement.reception_figures.all(), keep)


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


def agreement_publication_problems(agreement: Agreement) -> list[str]:
    """What the agreement lacks before it may be published, as sentences that say what to do.
    An empty list means it may be published."""
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
            problems.append(
                f"{label} ({related}) är inte publicerad. Publicera den först eller töm fältet."
            )
    return problems


def _superseded_until(previous: Agreement, new: Agreement) -> datetime.date:
    until = new.valid_from - datetime.timedelta(days=1) if new.valid_from else timezone.localdate()
    if previous.valid_from and until < previous.valid_from:
        until = previous.valid_from
    return until


@transaction.atomic
def agreement_publish(*, agreement: Agreement, user) -> Agreement:
    """Publish the agreement, or raise a ValidationError listing what it lacks. Publishing a
    newer version marks the earlier published versions superseded: an empty "gäller till"
    becomes the day before the new version's "gäller från" (or today)."""
    agreement = _editable(agreement, user)
    problems = agreement_publication_problems(agreement)
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


@transaction.atomic
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


M2M_COPIED = (
    "municipalities",
    "themes",
    "target_groups",
    "perspectives",
    "legal_references",
    "contacts",
)


def _copy_row(instance, **changes):
    instance.pk = None
    instance.id = None
    instance._state.adding = True
    # Prefetched relations belong to the original row; the copy must not answer with them.
    instance._prefetched_objects_cache = {}
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def agreement_revise(*, agreement: Agreement, user) -> Agreement:
    """The next version of the agreement as a draft in the same lineage, with copies of its
    sections, tags, parties, goals and commitments. Dates, signatures and attachments belong
    to the version that was signed and are not copied."""
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
    number = Agreement.objects.filter(lineage_id=source.lineage_id).aggregate(
        n=Max("version_number")
    )["n"]
    revised = _copy_row(
        Agreement.objects.get(pk=source.pk),
        version_number=number + 1,
        version_label="",
        publication=Publication.DRAFT,
        published_at=None,
        lock_version=1,
        signed_on=None,
        valid_from=None,
        valid_until=None,
    )
    for name in M2M_COPIED:
        getattr(revised, name).set(getattr(source, name).all())
    for section in source.sections.all():
        _copy_row(section, agreement=revised)
    parties = {}
    for party in source.parties.all():
        old_pk = party.pk
        parties[old_pk] = _copy_row(party, agreement=revised, signed_on=None)
    for goal in source.goals.all():
        _copy_row(goal, agreement=revised, party=parties.get(goal.party_id))
    for commitment in source.commitments.prefetch_related("themes", "target_groups"):
        themes, target_groups = list(commitment.themes.all()), list(commitment.target_groups.all())
        copy = _copy_row(commitment, agreement=revised, party=parties[commitment.party_id])
        copy.themes.set(themes)
        copy.target_groups.set(target_groups)
    history_record(
        agreement=revised,
        user=user,
        comment=f"Ny version {revised.version_number}, reviderad från version "
        f"{source.version_number}.",
    )
    return revised


@transaction.atomic
def agreement_restore(*, agreement: Agreement, revision_id: int, user) -> Agreement:
    """Bring the agreement and its parts back to a state in its history. Publication, version
    and lineage stay as they are now: restoring changes content, not the workflow."""
    from followup.models import CommitmentAssessment, GoalOutcome

    current = _editable(agreement, user)
    revision = revision_of_agreement(agreement=current, revision_id=revision_id)
    snapshot = revision_snapshot(revision)
    kept = {
        model: {int(pk) for (m, pk) in snapshot.objects if m is model}
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
    workflow = {
        "publication": current.publication,
        "published_at": current.published_at,
        "lineage_id": current.lineage_id,
        "version_number": current.version_number,
        "lock_version": current.lock_version + 1,
        "updated_at": timezone.now(),
    }
    revision.revert(delete=True)
    Agreement.objects.filter(pk=current.pk).update(**workflow)
    restored = Agreement.objects.get(pk=current.pk)
    who = (revision.user.get_full_name() or revision.user.get_username()) if revision.user else ""
    when = date_format(timezone.localtime(revision.date_created), "j F Y H:i")
    history_record(
        agreement=restored,
        user=user,
        comment=f"Återställd till läget {when}{f' ({who})' if who else ''}.",
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
