from django.db.models import Prefetch

from agreements.models import Agreement, Level, Party
from registry.text import swedish_sort_key


def agreement_list_published() -> list[Agreement]:
    """The latest published version of every agreement, in Swedish title order."""
    agreements = (
        Agreement.objects.published()
        .latest_versions(among=Agreement.objects.published())
        .with_status()
        .select_related("county", "lineage")
        .prefetch_related("municipalities")
    )
    return sorted(agreements, key=lambda agreement: swedish_sort_key(agreement.title))


def agreements_by_level(agreements: list[Agreement]) -> list[tuple[str, list[Agreement]]]:
    return [
        (label, [a for a in agreements if a.level == level])
        for level, label in [
            (Level.CENTRAL, "Centrala överenskommelser"),
            (Level.REGIONAL, "Regionala överenskommelser"),
            (Level.LOCAL, "Lokala överenskommelser"),
        ]
    ]


def agreement_get_published(*, slug: str) -> Agreement:
    """The newest published version of the agreement; drafts raise DoesNotExist."""
    agreement = (
        Agreement.objects.published()
        .filter(lineage__slug=slug)
        .with_status()
        .select_related(
            "county", "lineage", "parent__lineage", "annex_to__lineage", "followup_responsible"
        )
        .prefetch_related(
            "municipalities",
            "themes",
            "target_groups",
            "perspectives",
            "legal_references",
            Prefetch(
                "parties",
                queryset=Party.objects.select_related("organisation").prefetch_related(
                    "commitments__themes"
                ),
            ),
            "goals__party__organisation",
            "sections",
        )
        .order_by("-version_number")
        .first()
    )
    if agreement is None:
        raise Agreement.DoesNotExist(slug)
    return agreement
