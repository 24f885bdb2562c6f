import datetime
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from reversion.models import Revision

from actors.models import ContactPerson, County, Municipality, Organisation
from agreements.attachments import pdf_extract_text
from agreements.history import (
    Snapshot,
    history_ensure_baseline,
    history_record,
    revision_of_agreement,
    revision_snapshot,
    snapshot_diff,
    snapshot_live,
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


class AgreementDocumentError(Exception):
    """An agreement document breaks a rule. `errors` maps a field path ("valid_until",
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


class DocumentReader:
    """Resolves the natural keys of an agreement document (slugs, codes) to rows."""

    def fail(self, field: str, message: str):
        raise AgreementDocumentError({field: [message]})

    def get(self, model, field: str, label: str, **lookup):
        try:
            return model.objects.get(**lookup)
        except model.DoesNotExist:
            value = ", ".join(str(v) for v in lookup.values())
            self.fail(field, f"{label} {value} finns inte.")

    def many(self, model, field: str, label: str, key: str, values) -> list:
        found = {
            row_key: row
            for row in model.objects.filter(**{f"{key}__in": values})
            if (row_key := getattr(row, key))
        }
        missing = [value for value in values if value not in found]
        if missing:
            self.fail(field, f"{label} finns inte: {', '.join(missing)}.")
        return [found[value] for value in values]

    def organisation(self, field: str, slug: str) -> Organisation:
        return self.get(Organisation, field, "Organisationen", slug=slug)

    def latest_version(self, field: str, lineage_slug: str | None) -> Agreement | None:
        if not lineage_slug:
            return None
        agreement = (
            Agreement.objects.filter(lineage__slug=lineage_slug).order_by("-version_number").first()
        )
        if agreement is None:
            self.fail(field, f"Överenskommelsen {lineage_slug} finns inte.")
        return agreement


def _date(value) -> datetime.date | None:
    if not value or isinstance(value, datetime.date):
        return value or None
    return datetime.date.fromisoformat(value)


def _full_clean(instance, path: str = "", exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        prefix = f"{path}." if path else ""
        raise AgreementDocumentError(
            {
                (f"{prefix}{field}" if field != NON_FIELD_ERRORS else path): messages
                for field, messages in error.message_dict.items()
            }
        ) from None


@transaction.atomic
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


@transaction.atomic
def agreement_document_apply(*, agreement: Agreement, document: dict) -> Agreement:
    """Give the agreement version the content of the document: fields, tags, sections,
    parties, goals, commitments, contacts and reception figures. All or nothing."""
    reader = DocumentReader()
    county = (
        reader.get(County, "county", "Länet", code=document["county"])
        if document.get("county")
        else None
    )
    municipalities = reader.many(
        Municipality, "municipalities", "Kommunerna", "code", document.get("municipalities", [])
    )
    fields = {
        "version_label": document.get("version_label", ""),
        "title": document.get("title", ""),
        "alias": document.get("alias", ""),
        "registration_number": document.get("registration_number", ""),
        "level": document.get("level", ""),
        "kind": document.get("kind", "agreement"),
        "county": county,
        "parent": reader.latest_version("parent", document.get("parent")),
        "annex_to": reader.latest_version("annex_to", document.get("annex_to")),
        "based_on": reader.latest_version("based_on", document.get("based_on")),
        "followup_frequency": document.get("followup_frequency", ""),
        "followup_responsible": (
            reader.organisation("followup_responsible", document["followup_responsible"])
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
    if agreement.publication == Publication.DRAFT:
        agreement.published_at = None
    before = (
        agreement_document_dump(agreement=Agreement.objects.get(pk=agreement.pk))
        if agreement.pk
        else None
    )
    _full_clean(agreement)
    try:
        validate_municipalities(level=agreement.level, county=county, municipalities=municipalities)
    except ValidationError as error:
        raise AgreementDocumentError(error.message_dict) from None
    agreement.save()

    agreement.municipalities.set(municipalities)
    agreement.themes.set(reader.many(Theme, "themes", "Temana", "slug", document.get("themes", [])))
    agreement.target_groups.set(
        reader.many(
            TargetGroup, "target_groups", "Målgrupperna", "slug", document.get("target_groups", [])
        )
    )
    agreement.perspectives.set(
        reader.many(
            Perspective, "perspectives", "Perspektiven", "slug", document.get("perspectives", [])
        )
    )
    agreement.legal_references.set(
        reader.many(
            LegalReference,
            "legal_references",
            "Författningarna",
            "sfs",
            document.get("legal_references", []),
        )
    )

    _sections_load(agreement, document.get("extra_sections", []))
    parties = _parties_load(agreement, reader, document.get("parties", []))
    _goals_load(agreement, reader, parties, document.get("goals", []))
    _commitments_load(agreement, reader, parties, document.get("commitments", []))
    agreement.contacts.set(_contacts_load(reader, document.get("contacts", [])))
    _reception_figures_load(agreement, reader, document.get("reception_figures", []))
    if before is not None and agreement_document_dump(agreement=agreement) != before:
        # Any change refuses an admin form opened before it (optimistic locking).
        Agreement.objects.filter(pk=agreement.pk).update(lock_version=F("lock_version") + 1)
        agreement.refresh_from_db(fields=["lock_version"])
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
        path = f"parties[{order}]"
        slug = row.get("organisation", "")
        if slug in parties:
            reader.fail(f"{path}.organisation", f"{slug} är redan part i överenskommelsen.")
        organisation = reader.organisation(f"{path}.organisation", slug)
        party = Party.objects.filter(agreement=agreement, organisation=organisation).first()
        party = party or Party(agreement=agreement, organisation=organisation)
        party.role = row.get("role", "signatory")
        party.is_convener = row.get("is_convener", False)
        party.signatory_name = row.get("signatory_name", "")
        party.signatory_title = row.get("signatory_title", "")
        party.signed_on = _date(row.get("signed_on"))
        party.order = order
        _full_clean(party, path)
        party.save()
        parties[slug] = party
    _keep_only(agreement.parties.all(), [party.pk for party in parties.values()])
    return parties


def _party_of(reader, parties, slug, path) -> Party | None:
    if not slug:
        return None
    if slug not in parties:
        reader.fail(
            f"{path}.party",
            f"{slug} är inte part i överenskommelsen. Lägg till organisationen bland parterna "
            "eller välj en av parterna.",
        )
    return parties[slug]


def _goals_load(agreement, reader, parties, rows) -> None:
    keep = []
    for order, row in enumerate(rows):
        path = f"goals[{order}]"
        goal = Goal.objects.filter(agreement=agreement, order=order).first() or Goal(
            agreement=agreement, order=order
        )
        goal.text = row.get("text", "")
        goal.party = _party_of(reader, parties, row.get("party"), path)
        for field in ("indicator", "unit"):
            setattr(goal, field, row.get(field, ""))
        for field in ("baseline_value", "baseline_year", "target_value", "target_year"):
            setattr(goal, field, row.get(field))
        _full_clean(goal, path)
        goal.save()
        keep.append(goal.pk)
    _keep_only(agreement.goals.all(), keep)


def _commitments_load(agreement, reader, parties, rows) -> None:
    keep = []
    for order, row in enumerate(rows):
        path = f"commitments[{order}]"
        party = _party_of(reader, parties, row.get("party"), path)
        if party is None:
            reader.fail(f"{path}.party", "Ange vilken part som har åtagit sig detta.")
        commitment = Commitment.objects.filter(agreement=agreement, order=order).first()
        commitment = commitment or Commitment(agreement=agreement, order=order)
        commitment.party = party
        commitment.heading = row.get("heading", "")
        commitment.text = row.get("text", "")
        commitment.phase = row.get("phase", "")
        for field in ("activity_how", "activity_when", "activity_followup"):
            setattr(commitment, field, row.get(field, ""))
        _full_clean(commitment, path)
        commitment.save()
        commitment.themes.set(
            reader.many(Theme, f"{path}.themes", "Temana", "slug", row.get("themes", []))
        )
        commitment.target_groups.set(
            reader.many(
                TargetGroup,
                f"{path}.target_groups",
                "Målgrupperna",
                "slug",
                row.get("target_groups", []),
            )
        )
        keep.append(commitment.pk)
    _keep_only(agreement.commitments.all(), keep)


def _contacts_load(reader, rows) -> list[ContactPerson]:
    contacts = []
    for index, row in enumerate(rows):
        path = f"contacts[{index}]"
        organisation = reader.organisation(f"{path}.organisation", row.get("organisation", ""))
        contact = ContactPerson.objects.filter(
            organisation=organisation, email=row.get("email", ""), name=row.get("name", "")
        ).first() or ContactPerson(
            organisation=organisation, email=row.get("email", ""), name=row.get("name", "")
        )
        contact.title = row.get("title", "")
        contact.phone = row.get("phone", "")
        contact.is_public = row.get("is_public", False)
        _full_clean(contact, path)
        contact.save()
        contacts.append(contact)
    return contacts


def _reception_figures_load(agreement, reader, rows) -> None:
    keep = []
    codes = {row.get("municipality") for row in rows}
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    for index, row in enumerate(rows):
        path = f"reception_figures[{index}]"
        municipality = municipalities.get(row.get("municipality"))
        if municipality is None:
            reader.fail(f"{path}.municipality", f"Kommunen {row.get('municipality')} finns inte.")
        figure = ReceptionFigure.objects.filter(
            municipality=municipality, year=row.get("year"), source_agreement=agreement
        ).first() or ReceptionFigure(
            municipality=municipality, year=row.get("year"), source_agreement=agreement
        )
        figure.agreed_number = row.get("agreed_number")
        figure.assigned_number = row.get("assigned_number")
        _full_clean(figure, path)
        figure.save()
        keep.append(figure.pk)
    _keep_only(agreement.reception_figures.all(), keep)


def agreement_document_dump(*, agreement: Agreement) -> dict:
    """The agreement version as a document of fixtures/README.md's format: what
    agreement_document_apply takes, so that dump → apply changes nothing."""

    def lineage_of(related):
        return related.lineage.slug if related else None

    parties = list(agreement.parties.select_related("organisation").order_by("order", "id"))
    slug_of_party = {party.pk: party.organisation.slug for party in parties}
    return {
        "lineage": agreement.lineage.slug,
        "version_number": agreement.version_number,
        "version_label": agreement.version_label,
        "title": agreement.title,
        "alias": agreement.alias,
        "registration_number": agreement.registration_number,
        "level": agreement.level,
        "kind": agreement.kind,
        "county": agreement.county.code if agreement.county else None,
        "municipalities": sorted(agreement.municipalities.values_list("code", flat=True)),
        "parent": lineage_of(agreement.parent),
        "annex_to": lineage_of(agreement.annex_to),
        "based_on": lineage_of(agreement.based_on),
        "publication": agreement.publication,
        "signed_on": agreement.signed_on,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        **{section: getattr(agreement, section) for section in TEXT_SECTIONS},
        "extra_sections": [
            {"heading": section.heading, "text": section.text}
            for section in agreement.sections.order_by("order", "id")
        ],
        "themes": list(agreement.themes.order_by("slug").values_list("slug", flat=True)),
        "target_groups": list(
            agreement.target_groups.order_by("slug").values_list("slug", flat=True)
        ),
        "perspectives": list(
            agreement.perspectives.order_by("slug").values_list("slug", flat=True)
        ),
        "legal_references": list(
            agreement.legal_references.order_by("sfs").values_list("sfs", flat=True)
        ),
        "followup_frequency": agreement.followup_frequency,
        "followup_responsible": (
            agreement.followup_responsible.slug if agreement.followup_responsible else None
        ),
        "is_good_example": agreement.is_good_example,
        "good_example_note": agreement.good_example_note,
        "parties": [
            {
                "organisation": party.organisation.slug,
                "role": party.role,
                "is_convener": party.is_convener,
                "signatory_name": party.signatory_name,
                "signatory_title": party.signatory_title,
                "signed_on": party.signed_on,
            }
            for party in parties
        ],
        "goals": [
            {
                "text": goal.text,
                "party": slug_of_party.get(goal.party_id),
                "indicator": goal.indicator,
                "unit": goal.unit,
                "baseline_value": goal.baseline_value,
                "baseline_year": goal.baseline_year,
                "target_value": goal.target_value,
                "target_year": goal.target_year,
            }
            for goal in agreement.goals.order_by("order", "id")
        ],
        "commitments": [
            {
                "party": slug_of_party[commitment.party_id],
                "heading": commitment.heading,
                "text": commitment.text,
                "themes": sorted(theme.slug for theme in commitment.themes.all()),
                "target_groups": sorted(group.slug for group in commitment.target_groups.all()),
                "phase": commitment.phase,
            }
            for commitment in agreement.commitments.prefetch_related(
                "themes", "target_groups"
            ).order_by("order", "id")
        ],
        "contacts": [
            {
                "organisation": contact.organisation.slug,
                "name": contact.name,
                "title": contact.title,
                "email": contact.email,
                "phone": contact.phone,
                "is_public": contact.is_public,
            }
            for contact in agreement.contacts.select_related("organisation").order_by("pk")
        ],
        "reception_figures": [
            {
                "municipality": figure.municipality.code,
                "year": figure.year,
                "agreed_number": figure.agreed_number,
                "assigned_number": figure.assigned_number,
            }
            for figure in agreement.reception_figures.select_related("municipality").order_by(
                "year", "municipality__code"
            )
        ],
    }


@transaction.atomic
def agreement_create(*, document: dict) -> Agreement:
    """A new agreement (version 1 of a new lineage) from a document. The lineage slug is the
    document's, or made from the title."""
    slug = document.get("lineage") or _free_lineage_slug(document.get("title", ""))
    if AgreementLineage.objects.filter(slug=slug).exists():
        raise AgreementDocumentError(
            {"lineage": [f"Kortnamnet {slug} används redan av en annan överenskommelse."]}
        )
    lineage = AgreementLineage.objects.create(slug=slug)
    return agreement_document_apply(
        agreement=Agreement(lineage=lineage, version_number=1), document=document
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
            problems.append(
                f"{label} ({related}) är inte publicerad. Publicera den först eller töm fältet."
            )
    return problems


def _superseded_until(previous: Agreement, new: Agreement) -> datetime.date:
    until = new.valid_from - datetime.timedelta(days=1)
    if previous.valid_from and until < previous.valid_from:
        until = previous.valid_from
    return until


@transaction.atomic
def agreement_publish(*, agreement: Agreement, user) -> Agreement:
    """Publish the agreement, or raise a ValidationError listing what it lacks. Publishing a
    newer version marks the earlier published versions superseded: an empty "gäller till"
    becomes the day before the new version's "gäller från", which a revision must have."""
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


# What a revision takes over from the version it revises, and what it leaves for the new
# version: the revise page shows these labels, so the page and agreement_revise are one list.
REVISION_COPIED_TAGS = {
    "municipalities": "kommuner",
    "themes": "teman",
    "target_groups": "målgrupper",
    "perspectives": "perspektiv",
    "legal_references": "lagrum",
    "contacts": "kontaktpersoner",
}
REVISION_COPIED_PARTS = {
    "sections": "övriga avsnitt",
    "parties": "parter med roll och sammankallande",
    "goals": "mål med indikatorer, utgångslägen och målvärden",
    "commitments": "åtaganden med teman, målgrupper, perioder och aktiviteter",
}
# Belongs to the version that was signed: a revision starts without it.
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
REVISION_NOT_COPIED_PARTS = {"attachments": "bilagor (det undertecknade originalet och andra)"}


@dataclass(frozen=True)
class RevisionCopySummary:
    copied: tuple[str, ...]
    not_copied: tuple[str, ...]


def revision_copy_summary() -> RevisionCopySummary:
    """What agreement_revise copies and leaves out, in the words the revise page uses."""
    return RevisionCopySummary(
        copied=(
            "titel, nivå, län, texter och övriga uppgifter om överenskommelsen",
            *REVISION_COPIED_PARTS.values(),
            *REVISION_COPIED_TAGS.values(),
        ),
        not_copied=(
            *REVISION_CLEARED_FIELDS.values(),
            *REVISION_CLEARED_PARTY_FIELDS.values(),
            *REVISION_NOT_COPIED_PARTS.values(),
        ),
    )


def _cleared(model, names) -> dict:
    return {name: None if model._meta.get_field(name).null else "" for name in names}


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
    """The next version of the agreement as a draft in the same lineage: a copy of what
    revision_copy_summary() names as copied, without the signed version's dates, signatures
    and attachments."""
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
        publication=Publication.DRAFT,
        published_at=None,
        lock_version=1,
        **_cleared(Agreement, REVISION_CLEARED_FIELDS),
    )
    for name in REVISION_COPIED_TAGS:
        getattr(revised, name).set(getattr(source, name).all())
    for section in source.sections.all():
        _copy_row(section, agreement=revised)
    unsigned = _cleared(Party, REVISION_CLEARED_PARTY_FIELDS)
    parties = {}
    for party in source.parties.all():
        old_pk = party.pk
        parties[old_pk] = _copy_row(party, agreement=revised, **unsigned)
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


@transaction.atomic
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
    revision.revert(delete=True)
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
