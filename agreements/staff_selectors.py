"""Reads for the staff start page: what needs a county officer's attention."""

import datetime
from dataclasses import dataclass

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone
from reversion.models import Revision, Version

from actors.models import Scope
from agreements.models import Agreement, Publication
from followup.selectors import MissingFollowUp, followup_missing


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class StaffOverview:
    drafts: list[Agreement]
    ending_soon: list[Agreement]
    ending_before: datetime.date
    missing_followup: list[MissingFollowUp]
    followup_year: int
    recent_changes: list[dict]
    scope: Scope


def _mine(user):
    return Agreement.objects.editable_by(user).select_related("county", "lineage").for_display()


def agreements_ending_soon(*, user, today: datetime.date, months: int = 6):
    until = _add_months(today, months)
    return (
        _mine(user)
        .published()
        .in_force(on=today)
        .filter(valid_until__isnull=False, valid_until__lte=until)
        .order_by("valid_until", "title")
    ), until


def recent_changes_by_colleagues(*, user, limit: int = 10) -> list[dict]:
    """The newest saves by other people to agreements this user may change."""
    agreement_versions = (
        Version.objects.get_for_model(Agreement)
        .filter(revision__user__isnull=False)
        .exclude(revision__user=user)
        .filter(
            object_id__in=Agreement.objects.editable_by(user)
            .annotate(id_text=Cast("pk", CharField()))
            .values("id_text")
        )
    )
    rows = list(
        agreement_versions.select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
        .values("object_id", "revision_id")[:limit]
    )
    agreements = Agreement.objects.in_bulk([int(r["object_id"]) for r in rows])
    revisions = Revision.objects.select_related("user").in_bulk([r["revision_id"] for r in rows])
    changes = []
    for row in rows:
        agreement = agreements.get(int(row["object_id"]))
        revision = revisions[row["revision_id"]]
        if agreement is None:
            continue
        changes.append(
            {
                "agreement": agreement,
                "revision": revision,
                "who": revision.user.get_full_name() or revision.user.get_username(),
            }
        )
    return changes


def staff_overview(*, user, today: datetime.date | None = None) -> StaffOverview:
    today = today or timezone.localdate()
    ending, until = agreements_ending_soon(user=user, today=today)
    year = today.year - 1
    return StaffOverview(
        drafts=list(_mine(user).filter(publication=Publication.DRAFT).order_by("-updated_at")[:20]),
        ending_soon=list(ending[:20]),
        ending_before=until,
        missing_followup=followup_missing(user=user, year=year)[:20],
        followup_year=year,
        recent_changes=recent_changes_by_colleagues(user=user),
        scope=Scope.of(user),
    )
