"""The yearly follow-up of an agreement: start, record, complete, reopen.

Every function checks the user's scope through Agreement.objects.editable_by(user), refuses to
change a completed follow-up, and records state changes as FollowUpEvents."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation

from actors.boundaries import municipalities_in_year
from agreements.models import Agreement
from followup.models import (
    AssessmentStatus,
    CommitmentAssessment,
    FollowUp,
    FollowUpEvent,
    FollowUpEventKind,
    FollowUpState,
    GoalOutcome,
)

FOLLOWUP_EDITABLE_FIELDS = (
    "held_on",
    "method",
    "responsible_organisation",
    "summary",
    "conclusions",
    "revision_recommended",
)


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _require_editable(*, agreement: Agreement, user) -> None:
    if not Agreement.objects.editable_by(user).filter(pk=agreement.pk).exists():
        raise PermissionDenied(
            "Du får bara följa upp överenskommelser i det län du har behörighet för."
        )


def _require_draft(followup: FollowUp) -> None:
    if followup.state == FollowUpState.COMPLETED:
        raise ValidationError(
            f"Uppföljningen {followup.year} är avslutad och kan inte ändras. Öppna den igen "
            "(med en anledning) om något behöver rättas."
        )


def _locked(followup: FollowUp) -> FollowUp:
    """The follow-up as it is in the database now, locked until the transaction ends, so two
    people cannot complete and edit it at the same time."""
    return FollowUp.objects.select_for_update().select_related("agreement").get(pk=followup.pk)


def _log(*, followup: FollowUp, kind: str, user, reason: str = "") -> FollowUpEvent:
    event = FollowUpEvent(
        followup=followup,
        kind=kind,
        actor=user if user.is_authenticated else None,
        actor_name=user.get_username() if user.is_authenticated else "",
        reason=reason,
    )
    event.full_clean()
    event.save()
    return event


def _validate_year(*, agreement: Agreement, year: int) -> None:
    this_year = timezone.localdate().year
    if year > this_year:
        raise ValidationError(
            {"year": f"År {year} har inte börjat. Välj {this_year} eller ett tidigare år."}
        )
    start = agreement.valid_from_partial or agreement.signed_on_partial
    end = agreement.valid_until_partial
    with translation.override("sv"):
        if start and year < start.year:
            raise ValidationError(
                {
                    "year": f"Överenskommelsen började gälla {start}. Välj "
                    f"{start.year} eller ett senare år."
                }
            )
        if end and year > end.year:
            raise ValidationError(
                {
                    "year": f"Överenskommelsen gällde till {end}. "
                    f"Välj {end.year} eller ett tidigare år."
                }
            )


def followup_previous(*, agreement: Agreement, year: int) -> FollowUp | None:
    """The latest completed follow-up before `year` of this agreement or an earlier version of
    it: the starting point for the new one."""
    return (
        FollowUp.objects.filter(
            agreement__lineage_id=agreement.lineage_id,
            year__lt=year,
            state=FollowUpState.COMPLETED,
        )
        .order_by("-year", "-agreement__version_number")
        .first()
    )


def _previous_assessments(previous: FollowUp | None):
    """Last year's assessments, found by commitment; for a follow-up of an earlier version, by
    the same party organisation and the same text."""
    by_commitment, by_text = {}, {}
    if previous is None:
        return by_commitment, by_text
    for assessment in previous.assessments.select_related("commitment__party"):
        commitment = assessment.commitment
        by_commitment[commitment.pk] = assessment
        key = (commitment.party.organisation_id, _normalised(commitment.text))
        by_text.setdefault(key, assessment)
    return by_commitment, by_text


def _previous_outcomes(previous: FollowUp | None):
    by_goal, by_text = {}, {}
    if previous is None:
        return by_goal, by_text
    for outcome in previous.goal_outcomes.select_related("goal"):
        by_goal[outcome.goal_id] = outcome
        by_text.setdefault(_normalised(outcome.goal.text), outcome)
    return by_goal, by_text


def _items_create(followup: FollowUp) -> tuple[int, int]:
    """One assessment per commitment and one outcome per goal that the follow-up does not yet
    have, pre-filled from the previous follow-up. Returns how many of each were added."""
    agreement = followup.agreement
    previous = followup_previous(agreement=agreement, year=followup.year)
    by_commitment, by_text = _previous_assessments(previous)
    assessed = set(followup.assessments.values_list("commitment_id", flat=True))
    assessments = []
    for commitment in agreement.commitments.select_related("party").exclude(pk__in=assessed):
        before = by_commitment.get(commitment.pk) or by_text.get(
            (commitment.party.organisation_id, _normalised(commitment.text))
        )
        assessments.append(
            CommitmentAssessment(
                followup=followup,
                commitment=commitment,
                status=before.status if before else AssessmentStatus.NOT_ASSESSED,
                previous_status=before.status if before else "",
                comment=before.comment if before else "",
            )
        )
    CommitmentAssessment.objects.bulk_create(assessments)

    goals_by_id, goals_by_text = _previous_outcomes(previous)
    measured = set(followup.goal_outcomes.values_list("goal_id", flat=True))
    outcomes = []
    for goal in agreement.goals.exclude(pk__in=measured):
        before = goals_by_id.get(goal.pk) or goals_by_text.get(_normalised(goal.text))
        # A value is a measurement of its own year; only the judgement and the comment carry over.
        outcomes.append(
            GoalOutcome(
                followup=followup,
                goal=goal,
                achieved=before.achieved if before else None,
                comment=before.comment if before else "",
            )
        )
    GoalOutcome.objects.bulk_create(outcomes)
    return len(assessments), len(outcomes)


@transaction.atomic
def followup_start(*, agreement: Agreement, year: int, user) -> FollowUp:
    """Start the follow-up of `year`: every commitment and goal listed, pre-filled with the
    statuses and comments of the latest completed follow-up before it."""
    _require_editable(agreement=agreement, user=user)
    _validate_year(agreement=agreement, year=year)
    existing = FollowUp.objects.filter(agreement=agreement, year=year).first()
    if existing is not None:
        raise ValidationError(
            {
                "year": f"Överenskommelsen har redan en uppföljning för {year} "
                f"({existing.get_state_display().lower()}). Öppna den i stället."
            }
        )
    followup = FollowUp(
        agreement=agreement,
        year=year,
        responsible_organisation=agreement.followup_responsible,
    )
    followup.full_clean()
    followup.save()
    _items_create(followup)
    _log(followup=followup, kind=FollowUpEventKind.STARTED, user=user)
    return followup


@transaction.atomic
def followup_items_ensure(*, followup: FollowUp, user) -> tuple[int, int]:
    """Add assessments and outcomes for commitments and goals added to the agreement after the
    follow-up was started."""
    followup = _locked(followup)
    _require_editable(agreement=followup.agreement, user=user)
    _require_draft(followup)
    return _items_create(followup)


@transaction.atomic
def followup_update(*, followup: FollowUp, user, data: dict) -> FollowUp:
    """Change the follow-up's own fields (summary, conclusions, revision recommended, …)."""
    unknown = set(data) - set(FOLLOWUP_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fälten kan inte ändras här: {', '.join(sorted(unknown))}")
    followup = _locked(followup)
    _require_editable(agreement=followup.agreement, user=user)
    _require_draft(followup)
    for field, value in data.items():
        setattr(followup, field, value)
    followup.full_clean()
    followup.save()
    return followup


@transaction.atomic
def followup_record(
    *,
    followup: FollowUp,
    user,
    assessments: list[tuple[CommitmentAssessment, str, str]] = (),
    outcomes: list[tuple[GoalOutcome, Decimal | None, bool | None, str]] = (),
) -> None:
    """Record statuses (assessment, status, comment) and goal outcomes (outcome, value,
    achieved, comment) of one draft follow-up: one lock and one scope check for them all."""
    followup = _locked(followup)
    _require_editable(agreement=followup.agreement, user=user)
    _require_draft(followup)
    # Only the recorded values change; the rows' follow-up and commitment or goal do not.
    unchanged = {"exclude": ["followup", "commitment", "goal"], "validate_constraints": False}
    for assessment, status, comment in assessments:
        if assessment.followup_id != followup.pk:
            raise ValueError("Bedömningen hör till en annan uppföljning.")
        if status not in AssessmentStatus.values:
            choices = ", ".join(AssessmentStatus.labels)
            raise ValidationError({"status": f"Okänd status ”{status}”. Välj en av: {choices}."})
        assessment.status = status
        assessment.comment = comment
        assessment.full_clean(validate_unique=False, **unchanged)
        assessment.save(update_fields=["status", "comment"])
    for outcome, value, achieved, comment in outcomes:
        if outcome.followup_id != followup.pk:
            raise ValueError("Utfallet hör till en annan uppföljning.")
        outcome.value = value
        outcome.achieved = achieved
        outcome.comment = comment
        outcome.full_clean(validate_unique=False, **unchanged)
        outcome.save(update_fields=["value", "achieved", "comment"])


def assessment_record(
    *, assessment: CommitmentAssessment, user, status: str, comment: str = ""
) -> CommitmentAssessment:
    followup_record(
        followup=assessment.followup, user=user, assessments=[(assessment, status, comment)]
    )
    return assessment


def goal_outcome_record(
    *,
    outcome: GoalOutcome,
    user,
    value: Decimal | None = None,
    achieved: bool | None = None,
    comment: str = "",
) -> GoalOutcome:
    followup_record(
        followup=outcome.followup, user=user, outcomes=[(outcome, value, achieved, comment)]
    )
    return outcome


def followup_completion_problems(*, followup: FollowUp) -> list[str]:
    """What stands in the way of completing the follow-up, as messages that say what to do."""
    problems = []
    assessed = {
        commitment_id: status
        for commitment_id, status in followup.assessments.values_list("commitment_id", "status")
    }
    commitments = list(followup.agreement.commitments.select_related("party__organisation"))
    added = [c for c in commitments if c.pk not in assessed]
    if added:
        problems.append(
            f"{len(added)} åtaganden har lagts till i överenskommelsen efter att uppföljningen "
            "startades. Spara uppföljningen, så kommer de med i listan och kan bedömas."
        )
    missing = [
        c
        for c in commitments
        if assessed.get(c.pk, AssessmentStatus.NOT_ASSESSED) == AssessmentStatus.NOT_ASSESSED
    ]
    if missing:
        named = "; ".join(f"{c.party.organisation}: {c}" for c in missing[:5])
        more = f" och {len(missing) - 5} till" if len(missing) > 5 else ""
        problems.append(
            f"{len(missing)} av {len(commitments)} åtaganden är inte bedömda ({named}{more}). "
            "Ge varje åtagande en status; välj ”Ej aktuellt” för det som inte gällde i år."
        )
    if not followup.summary.strip():
        problems.append("Skriv en sammanfattning av uppföljningen innan du avslutar den.")
    return problems


@transaction.atomic
def followup_complete(*, followup: FollowUp, user) -> FollowUp:
    """Complete the follow-up: from now on it is read-only and public (when the agreement is)."""
    followup = _locked(followup)
    _require_editable(agreement=followup.agreement, user=user)
    _require_draft(followup)
    problems = followup_completion_problems(followup=followup)
    if problems:
        raise ValidationError(problems)
    followup.state = FollowUpState.COMPLETED
    followup.completed_at = timezone.now()
    followup.full_clean()
    followup.save(update_fields=["state", "completed_at"])
    _log(followup=followup, kind=FollowUpEventKind.COMPLETED, user=user)
    return followup


@transaction.atomic
def followup_reopen(*, followup: FollowUp, user, reason: str) -> FollowUp:
    """Open a completed follow-up for changes again; the reason is kept in its history."""
    followup = _locked(followup)
    _require_editable(agreement=followup.agreement, user=user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Skriv varför uppföljningen öppnas igen, till exempel vad som ska rättas."}
        )
    if followup.state != FollowUpState.COMPLETED:
        raise ValidationError("Uppföljningen är inte avslutad, så den behöver inte öppnas igen.")
    followup.state = FollowUpState.DRAFT
    followup.completed_at = None
    followup.full_clean()
    followup.save(update_fields=["state", "completed_at"])
    _log(followup=followup, kind=FollowUpEventKind.REOPENED, user=user, reason=reason)
    return followup


def reception_figures_save(
    *, county, year: int, source: Agreement | None, rows: list[dict], user
) -> tuple[int, int]:
    """Save a county's reception figures for the year from `source` (None: no source
    agreement) in one go, for the municipalities that lay in the county that year
    (actors.boundaries.municipalities_in_year). Each row is {"municipality",
    "agreed_number", "assigned_number"}; a row without an agreed number removes the
    municipality's figure. Nothing is saved if the user may not change the county (or the
    source), or if any row is wrong. Returns (saved, deleted); the source agreement's history
    records the change."""
    from agreements import policy
    from agreements.history import history_record
    from followup.models import ReceptionFigure

    if not policy.may_change_county(user, county.pk):
        raise PermissionDenied(f"Du får inte ändra mottagandet i {county}.")
    if source is not None and (
        source.county_id != county.pk or not policy.may_change_agreement(user, source)
    ):
        raise PermissionDenied("Du får inte ändra den överenskommelsens mottagande.")
    saved = deleted = 0
    with transaction.atomic():
        in_year = set(municipalities_in_year(county, year).values_list("pk", flat=True))
        existing = {
            figure.municipality_id: figure
            for figure in ReceptionFigure.objects.select_for_update().filter(
                municipality__in=in_year, year=year, source_agreement=source
            )
        }
        for row in rows:
            municipality = row["municipality"]
            if municipality.pk not in in_year:
                raise ValidationError(f"{municipality} låg inte i {county} {year}.")
            figure = existing.get(municipality.pk)
            if row.get("agreed_number") is None:
                if figure is not None:
                    figure.delete()
                    deleted += 1
                continue
            figure = figure or ReceptionFigure(
                municipality=municipality, year=year, source_agreement=source
            )
            if (figure.agreed_number, figure.assigned_number) == (
                row["agreed_number"],
                row.get("assigned_number"),
            ) and figure.pk:
                continue
            figure.agreed_number = row["agreed_number"]
            figure.assigned_number = row.get("assigned_number")
            figure.full_clean()
            figure.save()
            saved += 1
        if source is not None and (saved or deleted):
            history_record(agreement=source, user=user, comment=f"Mottagandet {year} ändrat.")
    return saved, deleted
