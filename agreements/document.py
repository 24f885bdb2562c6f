"""The agreement document: the one definition of what an agreement version is made of.

Each part (the agreement, its sections, parties, goals, commitments, contacts and reception
figures) is declared once here (commitments in commitments/document.py). The same shape is
the format of the fixtures (fixtures/README.md), the write API, the bulk import's columns, the
data embedded in the agreement's PDF and the fields of the admin's part forms.
agreements.services.agreement_document_apply writes a document; agreement_document_dump
reads one; dump → apply changes nothing.
"""

import functools
from dataclasses import dataclass

from django.db.models import Prefetch

from actors.document import COUNTY, ORGANISATION, ContactKey
from actors.models import ContactPerson, Municipality
from agreements.models import (
    PARTIAL_DATE_FIELDS,
    Agreement,
    AgreementSection,
    Attachment,
    Goal,
    LegalReference,
    Party,
    Perspective,
)
from commitments.document import COMMITMENT, PARTY_OF_DOCUMENT
from commitments.models import Commitment, TargetGroup, Theme
from followup.models import ReceptionFigure
from registry.documents import (
    NaturalKey,
    Part,
    PartialDateKey,
    fail,
    tags_from_related_ids,
    with_related_ids,
)

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


class AgreementLink:
    """parent, annex_to, based_on: the lineage slug of another agreement; it points at that
    agreement's newest version among those the writer may see (`user`: published ones and the
    drafts they may change; None for the registry's own loaders, which see all). A draft the
    writer may not see gets the same message as a slug that does not exist, and a public dump
    (the PDF's data) names only a published one."""

    def dump(self, value, *, public: bool = False, **_):
        if value is None or (public and not value.is_published):
            return None
        return value.lineage.slug

    def normalized(self, value, **_):
        return value or None

    def load_one(self, value, path: str, *, user=None, kept_links=None, **_):
        if not value:
            return None
        if user is not None and value in (kept_links or {}):
            # A link the agreement already has stays as it is, though a national editor may
            # have made it to a draft the writer may not see (a PATCH sends it back unread).
            return kept_links[value]
        agreements = Agreement.objects.all() if user is None else Agreement.objects.visible_to(user)
        agreement = agreements.filter(lineage__slug=value).order_by("-version_number").first()
        if agreement is None:
            fail(path, f"Överenskommelsen {value} finns inte.")
        return agreement


AGREEMENT = Part(
    model=Agreement,
    fields=(
        "title",
        "alias",
        "registration_number",
        "version_label",
        "level",
        "kind",
        "county",
        "municipalities",
        "parent",
        "annex_to",
        "based_on",
        "publication",
        "signed_on",
        "valid_from",
        "valid_until",
        *TEXT_SECTIONS,
        "themes",
        "target_groups",
        "perspectives",
        "legal_references",
        "followup_frequency",
        "followup_responsible",
        "is_good_example",
        "good_example_note",
        "contacts",
    ),
    keys={
        "county": COUNTY,
        "municipalities": NaturalKey(Municipality, "code", "Kommunerna"),
        "parent": AgreementLink(),
        "annex_to": AgreementLink(),
        "based_on": AgreementLink(),
        "themes": NaturalKey(Theme, "slug", "Temana"),
        "target_groups": NaturalKey(TargetGroup, "slug", "Målgrupperna"),
        "perspectives": NaturalKey(Perspective, "slug", "Perspektiven"),
        "legal_references": NaturalKey(LegalReference, "sfs", "Författningarna"),
        "followup_responsible": ORGANISATION,
        "contacts": ContactKey(),
        **{name: PartialDateKey(end=end) for name, end in PARTIAL_DATE_FIELDS.items()},
    },
)

SECTION = Part(model=AgreementSection, fields=("heading", "text"))

PARTY = Part(
    model=Party,
    fields=(
        "organisation",
        "role",
        "is_convener",
        "signatory_name",
        "signatory_title",
        "signed_on",
    ),
    keys={"organisation": ORGANISATION},
    column_headers={"organisation": "part", "signed_on": "parten undertecknade"},
)

GOAL = Part(
    model=Goal,
    fields=(
        "text",
        "party",
        "indicator",
        "unit",
        "baseline_value",
        "baseline_year",
        "target_value",
        "target_year",
    ),
    keys={"party": PARTY_OF_DOCUMENT},
)

RECEPTION_FIGURE = Part(
    model=ReceptionFigure,
    fields=("municipality", "year", "agreed_number", "assigned_number"),
    keys={"municipality": NaturalKey(Municipality, "code", "Kommunen")},
)


@dataclass(frozen=True)
class Rows:
    """A list of parts in the document: `name` in the document, `related_name` on the
    agreement, `match` the fields that find a row already saved (so that loading again
    changes rows rather than replacing them), `limit` the most rows one version may have
    (agreement_document_apply refuses more, and the admin's inlines offer no more),
    `ordered` whether the list's order is kept."""

    name: str
    part: Part
    related_name: str
    match: tuple[str, ...]
    limit: int
    ordered: bool = True
    duplicate: str = "Står två gånger i överenskommelsen. Ta bort den ena."

    def limit_message(self, count: int | None = None) -> str:
        """What a version with more of these rows than `limit` is told (with `count`, how many
        it has)."""
        plural = self.part.model._meta.verbose_name_plural
        has = f"; den här har {_number(count)}" if count is not None else ""
        return (
            f"En version får ha högst {_number(self.limit)} {plural}{has}. Dela upp "
            "överenskommelsen eller ta bort det som inte hör dit."
        )

    def too_many(self, count: int) -> str:
        """The message for a version with `count` of these rows, or "" within the limit."""
        return self.limit_message(count) if count > self.limit else ""


def _number(value: int) -> str:
    """1 000, as Swedish writes numbers (a no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u00a0")


# The most rows of each kind one version may have: far above real agreements (the Norrbotten
# regional agreement has 10 parties and 51 commitments; a large one has some 200 commitments),
# low enough that one save stays a matter of seconds. A reception figure is one municipality
# and year: all 290 municipalities for 17 years fit.


ROWS = (
    Rows("extra_sections", SECTION, "sections", match=("order",), limit=100),
    Rows(
        "parties",
        PARTY,
        "parties",
        match=("organisation",),
        limit=300,
        duplicate="Organisationen är redan part i överenskommelsen.",
    ),
    Rows("goals", GOAL, "goals", match=("order",), limit=300),
    Rows("commitments", COMMITMENT, "commitments", match=("order",), limit=1000),
    Rows(
        "reception_figures",
        RECEPTION_FIGURE,
        "reception_figures",
        match=("municipality", "year"),
        limit=5000,
        ordered=False,
    ),
)
PARTS = (AGREEMENT, *(rows.part for rows in ROWS))


def _tag_keys(part: Part) -> dict:
    """The part's many-to-many relations written by a natural key: name → the key's attribute."""
    return {
        name: key.attribute
        for name, key in part.keys.items()
        if part.is_many(name) and isinstance(key, NaturalKey)
    }


@functools.cache
def _tagged_queries() -> tuple:
    """The version's and its commitments' queries with their tags as arrays, built once:
    resolving the tag subqueries costs more than running them. Each use takes a copy."""
    agreement_tags, commitment_tags = _tag_keys(AGREEMENT), _tag_keys(COMMITMENT)
    agreements = with_related_ids(
        Agreement.objects.select_related(
            "lineage",
            "county",
            "followup_responsible",
            "parent__lineage",
            "annex_to__lineage",
            "based_on__lineage",
        ),
        agreement_tags,
        keys=agreement_tags,
    )
    commitments = with_related_ids(
        Commitment.objects.select_related("responsible_contact__organisation").order_by(
            "order", "id"
        ),
        commitment_tags,
        keys=commitment_tags,
    )
    return agreements, commitments


def _prefetched(agreement: Agreement) -> Agreement:
    """The version with its rows; a goal's or commitment's party is the row read for the
    parties, not joined again."""
    agreements, commitments = _tagged_queries()
    stored = agreements.prefetch_related(
        Prefetch(
            "contacts",
            queryset=ContactPerson.objects.select_related("organisation").order_by("pk"),
        ),
        Prefetch("sections", queryset=AgreementSection.objects.order_by("order", "id")),
        Prefetch(
            "parties", queryset=Party.objects.select_related("organisation").order_by("order", "id")
        ),
        Prefetch("goals", queryset=Goal.objects.order_by("order", "id")),
        Prefetch("commitments", queryset=commitments.all()),
        # Not part of the document, but of the version's history snapshot.
        Prefetch("attachments", queryset=Attachment.objects.defer("extracted_text")),
        Prefetch(
            "reception_figures",
            queryset=ReceptionFigure.objects.select_related("municipality").order_by(
                "year", "municipality__code"
            ),
        ),
    ).get(pk=agreement.pk)
    agreement_tags, commitment_tags = _tag_keys(AGREEMENT), _tag_keys(COMMITMENT)
    tags_from_related_ids(stored, agreement_tags, keys=agreement_tags)
    parties = {party.pk: party for party in stored.parties.all()}
    for goal in stored.goals.all():
        if goal.party_id is not None:
            goal.party = parties[goal.party_id]
    for commitment in stored.commitments.all():
        commitment.party = parties[commitment.party_id]
        tags_from_related_ids(commitment, commitment_tags, keys=commitment_tags)
    return stored


def agreement_document_stored(*, agreement: Agreement) -> Agreement:
    """The version as stored, with every row its document holds, in a fixed number of
    queries whatever its size."""
    return _prefetched(agreement)


def agreement_document_dump(
    *, agreement: Agreement, public: bool = False, stored: Agreement | None = None
) -> dict:
    """The agreement version as a document. `public`: without the contact people who are not
    marked public (the PDF's embedded data). `stored`: the version as
    agreement_document_stored read it, when the caller has it already (or a read that
    prefetched the same rows, as agreements.pdf_selectors.agreement_get_for_pdf does)."""
    agreement = stored or _prefetched(agreement)
    document = {
        "lineage": agreement.lineage.slug,
        "version_number": agreement.version_number,
        **AGREEMENT.dump(agreement, public=public),
    }
    for rows in ROWS:
        document[rows.name] = [
            rows.part.dump(row, public=public)
            for row in getattr(agreement, rows.related_name).all()
        ]
    return document
