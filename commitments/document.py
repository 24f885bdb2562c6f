"""The commitment's part of the agreement document (see agreements/document.py): a field
added here and to the model reaches the fixtures, the API, the bulk import, the PDF's data
and the admin's commitment forms."""

from dataclasses import replace

from actors.document import ContactKey
from commitments.models import Commitment, TargetGroup, Theme
from registry.documents import NaturalKey, Part, SiblingKey

PARTY_OF_DOCUMENT = SiblingKey(
    attribute_path=("organisation", "slug"),
    missing="{value} är inte part i överenskommelsen. Lägg till organisationen bland parterna "
    "eller välj en av parterna.",
)


COMMITMENT = Part(
    model=Commitment,
    fields=(
        "party",
        "heading",
        "text",
        "themes",
        "target_groups",
        "phase",
        "responsible_contact",
        "period_start",
        "period_end",
        "deadline",
        "activity_how",
        "activity_when",
        "activity_followup",
    ),
    keys={
        "party": replace(PARTY_OF_DOCUMENT, required="Ange vilken part som har åtagit sig detta."),
        "themes": NaturalKey(Theme, "slug", "Temana"),
        "target_groups": NaturalKey(TargetGroup, "slug", "Målgrupperna"),
        "responsible_contact": ContactKey(),
    },
    column_prefix="åtagandets",
    column_headers={"party": "part", "text": "åtagande", "phase": "fas"},
)
