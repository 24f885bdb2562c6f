"""Which municipalities a local agreement in force covers: the counting rules that the county
pages, the reports and the statistics share.

- Only published agreements count; drafts never do.
- Only the version in force on the day counts, so a superseded version never counts twice.
- A multi-municipality agreement covers each of its municipalities once.
- An annex agreement (hängavtal) covers its own municipality.
- An agreement valid until yesterday is not in force today.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from actors.models import Municipality
from agreements.models import Agreement, Level, effective_start
from followup.models import FollowUpState


@dataclass(frozen=True)
class MunicipalityCoverage:
    municipality: Municipality
    agreement_ids: tuple[int, ...]
    in_force_since: datetime.date | None
    last_followup_year: int | None

    @property
    def is_covered(self) -> bool:
        return bool(self.agreement_ids)


def local_agreements_in_force(*, on: datetime.date | None = None):
    return Agreement.objects.published().in_force(on=on).filter(level=Level.LOCAL)


def municipality_coverage(
    *, county=None, on: datetime.date | None = None
) -> list[MunicipalityCoverage]:
    """One row per municipality (of the county, or of Sweden), in code order. Three queries
    whatever the number of agreements."""
    on = on or timezone.localdate()
    municipalities = (
        Municipality.objects.select_related("county").defer("county__geometry").order_by("code")
    )
    if county is not None:
        municipalities = municipalities.filter(county=county)
    through = Agreement.municipalities.through.objects.filter(
        agreement__in=local_agreements_in_force(on=on)
    )
    if county is not None:
        through = through.filter(municipality__county=county)
    covering: dict[int, list[int]] = {}
    for municipality_id, agreement_id in through.values_list("municipality_id", "agreement_id"):
        covering.setdefault(municipality_id, []).append(agreement_id)
    agreement_ids = {a for ids in covering.values() for a in ids}
    facts = {
        row["pk"]: row
        for row in Agreement.objects.filter(pk__in=agreement_ids)
        .annotate(
            start=effective_start(),
            last_followup=Max(
                "followups__year", filter=Q(followups__state=FollowUpState.COMPLETED)
            ),
        )
        .values("pk", "start", "last_followup")
    }
    rows = []
    for municipality in municipalities:
        ids = tuple(sorted(covering.get(municipality.pk, [])))
        starts = [facts[a]["start"] for a in ids if facts[a]["start"]]
        followups = [facts[a]["last_followup"] for a in ids if facts[a]["last_followup"]]
        rows.append(
            MunicipalityCoverage(
                municipality=municipality,
                agreement_ids=ids,
                in_force_since=min(starts) if starts else None,
                last_followup_year=max(followups) if followups else None,
            )
        )
    return rows
