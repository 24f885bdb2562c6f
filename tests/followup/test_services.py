"""The follow-up workflow through its services, for each persona."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agreements.models import Agreement, Level
from followup import services
from followup.models import (
    AssessmentStatus,
    FollowUp,
    FollowUpEvent,
    FollowUpEventKind,
    FollowUpState,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GoalFactory,
    PartyFactory,
    local_agreement,
)
from tests.followup.dataset import org

pytestmark = pytest.mark.django_db


@pytest.fixture
def rok():
    """RÖK Norrbotten (seed): 51 commitments, 3 goals, in force March–December 2009."""
    return Agreement.objects.get(lineage__slug="norrbotten-rok")


def assess_all(followup, user, status=AssessmentStatus.FULFILLED):
    services.followup_record(
        followup=followup,
        user=user,
        assessments=[(a, status, "") for a in followup.assessments.all()],
    )


def complete(followup, user):
    services.followup_update(followup=followup, user=user, data={"summary": "Allt gick bra."})
    assess_all(followup, user)
    return services.followup_complete(followup=followup, user=user)


# Starting ---------------------------------------------------------------------------------


def test_norrbotten_staff_starts_a_followup_listing_every_commitment_and_goal(
    rok, norrbotten_staff
):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    assert followup.state == FollowUpState.DRAFT
    assert followup.assessments.count() == rok.commitments.count() == 51
    assert followup.goal_outcomes.count() == 3
    assert set(followup.assessments.values_list("status", flat=True)) == {""}
    event = followup.events.get()
    assert (event.kind, event.actor, event.actor_name) == (
        FollowUpEventKind.STARTED,
        norrbotten_staff,
        "norrbotten",
    )


@pytest.mark.parametrize("persona", ["stockholm_staff", "unscoped_staff"])
def test_other_counties_and_unscoped_staff_cannot_start(rok, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied, match="län du har behörighet för"):
        services.followup_start(agreement=rok, year=2009, user=user)
    assert not FollowUp.objects.filter(agreement=rok).exists()


def test_national_editor_follows_up_any_county_and_the_central_agreement(rok, national_editor):
    services.followup_start(agreement=rok, year=2009, user=national_editor)
    cok = Agreement.objects.get(lineage__slug="cok")
    followup = services.followup_start(agreement=cok, year=2006, user=national_editor)
    assert followup.assessments.count() == cok.commitments.count()


def test_county_staff_cannot_follow_up_the_central_agreement(norrbotten_staff):
    cok = Agreement.objects.get(lineage__slug="cok")
    with pytest.raises(PermissionDenied):
        services.followup_start(agreement=cok, year=2006, user=norrbotten_staff)


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (2008, "Överenskommelsen började gälla mars 2009. Välj 2009 eller ett senare år."),
        (2010, "Överenskommelsen gällde till 2009. Välj 2009 eller ett tidigare år."),
    ],
)
def test_a_year_outside_the_agreement_is_refused_in_swedish(rok, norrbotten_staff, year, message):
    with pytest.raises(ValidationError) as error:
        services.followup_start(agreement=rok, year=year, user=norrbotten_staff)
    assert error.value.message_dict["year"] == [message]
    assert not FollowUp.objects.filter(agreement=rok).exists()


def test_a_year_that_has_not_begun_is_refused(norrbotten_staff):
    agreement = AgreementFactory(valid_from=datetime.date(2020, 1, 1))
    next_year = datetime.date.today().year + 1
    with pytest.raises(ValidationError, match=f"År {next_year} har inte börjat"):
        services.followup_start(agreement=agreement, year=next_year, user=norrbotten_staff)


def test_a_second_followup_of_the_same_year_is_refused(rok, norrbotten_staff):
    services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    with pytest.raises(ValidationError, match="har redan en uppföljning för 2009"):
        services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    assert FollowUp.objects.filter(agreement=rok).count() == 1


# Pre-filling from last year ---------------------------------------------------------------


@pytest.fixture
def agreement_with_history(norrbotten_staff):
    """A Norrbotten agreement with a completed 2023 follow-up."""
    agreement = local_agreement(municipality_codes=["2580"], valid_from=datetime.date(2020, 1, 1))
    party = PartyFactory(agreement=agreement, organisation=org("lulea-kommun"))
    kept = CommitmentFactory(party=party, text="Erbjuda sfi.", order=0)
    other = CommitmentFactory(party=party, text="Ordna praktik.", order=1)
    goal = GoalFactory(agreement=agreement, text="Fler i arbete.")
    followup = services.followup_start(agreement=agreement, year=2023, user=norrbotten_staff)
    for assessment, status, comment in [
        (followup.assessments.get(commitment=kept), AssessmentStatus.IN_PROGRESS, "Kö till sfi."),
        (followup.assessments.get(commitment=other), AssessmentStatus.FULFILLED, ""),
    ]:
        services.assessment_record(
            assessment=assessment, user=norrbotten_staff, status=status, comment=comment
        )
    services.goal_outcome_record(
        outcome=followup.goal_outcomes.get(goal=goal),
        user=norrbotten_staff,
        value=31,
        achieved=False,
        comment="Under målet.",
    )
    services.followup_update(followup=followup, user=norrbotten_staff, data={"summary": "Ok."})
    services.followup_complete(followup=followup, user=norrbotten_staff)
    return agreement


def test_next_years_followup_starts_from_last_years_statuses_and_comments(
    agreement_with_history, norrbotten_staff
):
    party = agreement_with_history.parties.get()
    new = CommitmentFactory(party=party, text="Nytt åtagande i år.", order=2)
    followup = services.followup_start(
        agreement=agreement_with_history, year=2024, user=norrbotten_staff
    )
    rows = {
        a.commitment.text: (a.status, a.previous_status, a.comment)
        for a in followup.assessments.select_related("commitment")
    }
    assert rows == {
        "Erbjuda sfi.": ("in_progress", "in_progress", "Kö till sfi."),
        "Ordna praktik.": ("fulfilled", "fulfilled", ""),
        new.text: ("", "", ""),
    }
    outcome = followup.goal_outcomes.get()
    # The judgement and comment carry over; a value is a measurement of its own year.
    assert (outcome.value, outcome.achieved, outcome.comment) == (None, False, "Under målet.")


def test_a_revised_version_starts_from_the_previous_versions_followup(
    agreement_with_history, norrbotten_staff
):
    v2 = AgreementFactory(
        lineage=agreement_with_history.lineage,
        version_number=2,
        level=Level.LOCAL,
        county=agreement_with_history.county,
        valid_from=datetime.date(2024, 1, 1),
    )
    party = PartyFactory(agreement=v2, organisation=org("lulea-kommun"))
    CommitmentFactory(party=party, text="Erbjuda  sfi.")  # the same text, other spacing
    CommitmentFactory(party=party, text="Helt nytt.")
    followup = services.followup_start(agreement=v2, year=2024, user=norrbotten_staff)
    statuses = {a.commitment.text: a.status for a in followup.assessments.all()}
    assert statuses == {"Erbjuda  sfi.": "in_progress", "Helt nytt.": ""}


# Completing -------------------------------------------------------------------------------


def test_completing_needs_every_commitment_assessed_and_a_summary(rok, norrbotten_staff):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    with pytest.raises(ValidationError) as error:
        services.followup_complete(followup=followup, user=norrbotten_staff)
    messages = error.value.messages
    assert messages[0].startswith("51 av 51 åtaganden är inte bedömda")
    assert "välj ”Ej aktuellt” för det som inte gällde i år" in messages[0]
    assert messages[1] == "Skriv en sammanfattning av uppföljningen innan du avslutar den."
    followup.refresh_from_db()
    assert followup.state == FollowUpState.DRAFT
    assert not followup.events.filter(kind=FollowUpEventKind.COMPLETED).exists()


def test_a_completed_followup_is_read_only(rok, norrbotten_staff):
    followup = complete(
        services.followup_start(agreement=rok, year=2009, user=norrbotten_staff), norrbotten_staff
    )
    assert followup.state == FollowUpState.COMPLETED
    assert followup.completed_at is not None
    assessment = followup.assessments.first()
    with pytest.raises(ValidationError, match="är avslutad och kan inte ändras"):
        services.assessment_record(
            assessment=assessment, user=norrbotten_staff, status=AssessmentStatus.NOT_STARTED
        )
    with pytest.raises(ValidationError, match="är avslutad"):
        services.followup_update(
            followup=followup, user=norrbotten_staff, data={"summary": "Ändrad."}
        )
    assessment.refresh_from_db()
    followup.refresh_from_db()
    assert assessment.status == AssessmentStatus.FULFILLED
    assert followup.summary == "Allt gick bra."


def test_stockholm_staff_cannot_complete_or_record_in_norrbotten(
    rok, norrbotten_staff, stockholm_staff
):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    with pytest.raises(PermissionDenied):
        services.assessment_record(
            assessment=followup.assessments.first(),
            user=stockholm_staff,
            status=AssessmentStatus.FULFILLED,
        )
    with pytest.raises(PermissionDenied):
        services.followup_complete(followup=followup, user=stockholm_staff)


def test_an_unknown_status_is_refused_in_swedish(rok, norrbotten_staff):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    with pytest.raises(ValidationError, match=r"Okänd status ”klart”\. Välj en av"):
        services.assessment_record(
            assessment=followup.assessments.first(), user=norrbotten_staff, status="klart"
        )


# Reopening --------------------------------------------------------------------------------


def test_reopening_needs_a_reason_and_records_who_when_and_why(rok, norrbotten_staff):
    followup = complete(
        services.followup_start(agreement=rok, year=2009, user=norrbotten_staff), norrbotten_staff
    )
    with pytest.raises(ValidationError) as error:
        services.followup_reopen(followup=followup, user=norrbotten_staff, reason="   ")
    assert error.value.message_dict["reason"] == [
        "Skriv varför uppföljningen öppnas igen, till exempel vad som ska rättas."
    ]
    followup.refresh_from_db()
    assert followup.state == FollowUpState.COMPLETED

    services.followup_reopen(
        followup=followup, user=norrbotten_staff, reason="Fel status för landstinget."
    )
    followup.refresh_from_db()
    assert followup.state == FollowUpState.DRAFT
    assert followup.completed_at is None
    assert [e.kind for e in followup.events.all()] == ["started", "completed", "reopened"]
    reopened = followup.events.get(kind=FollowUpEventKind.REOPENED)
    assert reopened.reason == "Fel status för landstinget."
    assert reopened.actor == norrbotten_staff
    # Now it can be changed and completed again.
    assess_all(followup, norrbotten_staff, AssessmentStatus.IN_PROGRESS)
    services.followup_complete(followup=followup, user=norrbotten_staff)
    assert followup.events.filter(kind=FollowUpEventKind.COMPLETED).count() == 2


def test_other_county_cannot_reopen(rok, norrbotten_staff, stockholm_staff):
    followup = complete(
        services.followup_start(agreement=rok, year=2009, user=norrbotten_staff), norrbotten_staff
    )
    with pytest.raises(PermissionDenied):
        services.followup_reopen(followup=followup, user=stockholm_staff, reason="Vill ändra.")
    followup.refresh_from_db()
    assert followup.state == FollowUpState.COMPLETED


def test_national_editor_reopens_a_county_followup(rok, norrbotten_staff, national_editor):
    followup = complete(
        services.followup_start(agreement=rok, year=2009, user=norrbotten_staff), norrbotten_staff
    )
    services.followup_reopen(followup=followup, user=national_editor, reason="Granskning.")
    assert FollowUpEvent.objects.get(kind="reopened").actor_name == "nationell"


def test_a_draft_cannot_be_reopened(rok, norrbotten_staff):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    with pytest.raises(ValidationError, match="inte avslutad"):
        services.followup_reopen(followup=followup, user=norrbotten_staff, reason="Varför inte.")


def test_commitments_added_after_the_start_are_added_on_request(rok, norrbotten_staff):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    party = rok.parties.first()
    CommitmentFactory(party=party, text="Ett åtagande som kom till senare.")
    assert services.followup_items_ensure(followup=followup, user=norrbotten_staff) == (1, 0)
    assert followup.assessments.count() == 52
    assert services.followup_items_ensure(followup=followup, user=norrbotten_staff) == (0, 0)


def test_recording_refuses_an_assessment_of_another_followup(rok, norrbotten_staff):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    other = services.followup_start(
        agreement=AgreementFactory(valid_from=datetime.date(2020, 1, 1)),
        year=2021,
        user=norrbotten_staff,
    )
    CommitmentFactory(party=PartyFactory(agreement=other.agreement))
    services.followup_items_ensure(followup=other, user=norrbotten_staff)
    with pytest.raises(ValueError):
        services.followup_record(
            followup=followup,
            user=norrbotten_staff,
            assessments=[(other.assessments.get(), AssessmentStatus.FULFILLED, "")],
        )
