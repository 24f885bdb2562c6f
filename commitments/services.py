from pathlib import Path

from django.db import transaction

from actors.services import read_json
from agreements.models import LegalReference, Perspective
from commitments.models import TargetGroup, Theme


@transaction.atomic
def vocabularies_load(*, directory: Path) -> None:
    for model, filename in (
        (Theme, "themes.json"),
        (TargetGroup, "target-groups.json"),
        (Perspective, "perspectives.json"),
    ):
        for order, row in enumerate(read_json(directory / filename)):
            model.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name": row["name"],
                    "description": row.get("description", ""),
                    "order": order,
                },
            )
    for row in read_json(directory / "legal-references.json"):
        LegalReference.objects.update_or_create(
            sfs=row["sfs"], defaults={"slug": row["slug"], "title": row["title"]}
        )
