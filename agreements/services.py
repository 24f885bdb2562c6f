import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actors.models import ContactPerson, County, Municipality, Organisation
from actors.services import FixtureError
from agreements.models import (
    Agreement,
    AgreementLineage,
    AgreementSection,
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
