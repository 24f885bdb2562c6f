"""Reads for the theme pages: commitments on a theme across Sweden."""

from django.core.paginator import Paginator
from django.db.models import Count, Q

from agreements.models import Agreement
from commitments.models import Commitment, Theme

COMMITMENTS_PER_PAGE = 25


def theme_list():
    """Every theme with the number of commitments on it in current published agreements."""
    current = Agreement.objects.latest_published()
    return Theme.objects.annotate(
        commitment_count=Count(
            "commitments", filter=Q(commitments__agreement__in=current), distinct=True
        ),
    ).order_by("order", "name")


def theme_commitments(*, theme: Theme, page_number=1, county=None, organisation=None):
    """Commitments tagged with the theme, in the newest published version of each agreement,
    grouped on the page by agreement (county, then title)."""
    commitments = Commitment.objects.filter(
        themes=theme, agreement__in=Agreement.objects.latest_published()
    )
    if county is not None:
        commitments = commitments.filter(agreement__county=county)
    if organisation is not None:
        commitments = commitments.filter(party__organisation=organisation)
    commitments = (
        commitments.select_related("agreement__lineage", "agreement__county", "party__organisation")
        .prefetch_related("agreement__municipalities")
        .order_by("agreement__county__code", "agreement__title", "party__order", "order", "pk")
    )
    return Paginator(commitments, COMMITMENTS_PER_PAGE).get_page(page_number)


def theme_agreement_count(*, theme: Theme) -> int:
    return Agreement.objects.latest_published().filter(themes=theme).count()


def themes_to_suggest(*, limit: int = 2) -> list[Theme]:
    """The themes that the most current published agreements have commitments on (then the
    most commitments): what the home page offers as an example search, so that the example
    finds something. One query."""
    current = Agreement.objects.latest_published()
    on_current = Q(commitments__agreement__in=current)
    return list(
        Theme.objects.annotate(
            agreement_count=Count("commitments__agreement", filter=on_current, distinct=True),
            commitment_count=Count("commitments", filter=on_current, distinct=True),
        )
        .filter(agreement_count__gt=0)
        .order_by("-agreement_count", "-commitment_count", "order", "name")[:limit]
    )
