"""A follow-up recorded one part at a time (followup/admin_parts.py): the head page lists the
parties, each party's commitments and goals have a page of their own, and a save records only
what the person changed, as the personas would."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement
from benchmarks.admin import synthetic_agreement
from followup import services
from followup.models import AssessmentStatus, CommitmentAssessment, GoalOutcome
from tests.followup.helpers import followup_change_url, followup_part_data, followup_part_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def rok():
    return Agreement.objects.get(lineage__slug="norrbotten-rok")


@pytest.fixture
def followup(rok, norrbotten_staff):
    """The Norrbotten agreement's follow-up of 2009 (10 parties, 51 commitments), started."""
    return services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)


def biggest_party(agreement):
    return max(agreement.parties.all(), key=lambda party: party.commitments.count())


def _completed(followup, user):
    services.followup_update(followup=followup, user=user, data={"summary": "Klar."})
    services.followup_record(
        followup=followup,
        user=user,
        assessments=[(a, AssessmentStatus.FULFILLED, "") for a in followup.assessments.all()],
    )
    return services.followup_complete(followup=followup, user=user)


def test_norrbotten_staff_record_two_commitments_of_one_party(client, norrbotten_staff, followup):
    party = biggest_party(followup.agreement)
    client.force_login(norrbotten_staff)
    head = client.get(followup_change_url(followup)).content.decode()
    assert str(party.organisation) in head
    assert followup_part_url(followup, party) in head
    page = client.get(followup_part_url(followup, party))
    assert page.status_code == 200
    first, second = page.context["assessment_formset"].forms[:2]
    text = page.content.decode()
    assert first.instance.commitment.text.splitlines()[0] in text
    data = followup_part_data(
        page,
        **{
            first["status"].html_name: AssessmentStatus.FULFILLED,
            second["status"].html_name: AssessmentStatus.NOT_APPLICABLE,
            second["comment"].html_name: "Gällde inte 2009.",
        },
    )
    response = client.post(followup_part_url(followup, party), data, follow=True)
    assert response.status_code == 200
    assert f"{party.organisation}: 2 rader sparade." in response.content.decode()
    recorded = followup.assessments.exclude(status="")
    assert {(a.commitment_id, a.status, a.comment) for a in recorded} == {
        (first.instance.commitment_id, AssessmentStatus.FULFILLED, ""),
        (second.instance.commitment_id, AssessmentStatus.NOT_APPLICABLE, "Gällde inte 2009."),
    }
    head = client.get(followup_change_url(followup)).content.decode()
    assert "49 av 51 åtaganden är inte bedömda" in head


def test_a_row_someone_else_recorded_meanwhile_keeps_their_value(
    client, norrbotten_staff, national_editor, followup
):
    party = biggest_party(followup.agreement)
    client.force_login(norrbotten_staff)
    page = client.get(followup_part_url(followup, party))
    first, second = page.context["assessment_formset"].forms[:2]
    # A colleague records the second commitment while the page is open.
    services.assessment_record(
        assessment=second.instance, user=national_editor, status=AssessmentStatus.IN_PROGRESS
    )
    data = followup_part_data(page, **{first["status"].html_name: AssessmentStatus.FULFILLED})
    assert client.post(followup_part_url(followup, party), data).status_code == 302
    assert CommitmentAssessment.objects.get(pk=second.instance.pk).status == "in_progress"
    assert CommitmentAssessment.objects.get(pk=first.instance.pk).status == "fulfilled"


def test_common_goals_page_records_an_outcome(client, norrbotten_staff, followup):
    common = followup.goal_outcomes.filter(goal__party=None)
    assert common.exists()
    client.force_login(norrbotten_staff)
    page = client.get(followup_part_url(followup))
    assert page.status_code == 200
    assert page.context["assessment_formset"].forms == []
    outcome = page.context["outcome_formset"].forms[0]
    data = followup_part_data(
        page, **{outcome["value"].html_name: "12,5", outcome["achieved"].html_name: "true"}
    )
    assert client.post(followup_part_url(followup), data).status_code == 302
    recorded = GoalOutcome.objects.get(pk=outcome.instance.pk)
    assert (str(recorded.value), recorded.achieved) == ("12.50", True)


def test_bad_input_gives_a_swedish_error_and_nothing_changes(client, norrbotten_staff, followup):
    client.force_login(norrbotten_staff)
    page = client.get(followup_part_url(followup))
    outcome = page.context["outcome_formset"].forms[0]
    data = followup_part_data(
        page,
        **{outcome["value"].html_name: "många", outcome["comment"].html_name: "Sparas inte."},
    )
    response = client.post(followup_part_url(followup), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Rätta felen nedan. Inget har sparats." in text
    assert "Fyll i ett tal." in text
    assert not GoalOutcome.objects.filter(comment="Sparas inte.").exists()


def test_a_commitment_removed_meanwhile_refuses_the_page_and_saves_nothing(
    client, norrbotten_staff, followup
):
    party = biggest_party(followup.agreement)
    client.force_login(norrbotten_staff)
    page = client.get(followup_part_url(followup, party))
    first, second = page.context["assessment_formset"].forms[:2]
    second.instance.commitment.delete()
    data = followup_part_data(page, **{first["status"].html_name: AssessmentStatus.FULFILLED})
    response = client.post(followup_part_url(followup, party), data)
    assert response.status_code == 200
    assert "har ändrats medan du hade sidan öppen, så inget är sparat" in (
        response.content.decode()
    )
    assert CommitmentAssessment.objects.get(pk=first.instance.pk).status == ""


def test_stockholm_staff_neither_see_nor_record_a_norrbotten_draft(
    client, stockholm_staff, norrbotten_staff, followup
):
    party = biggest_party(followup.agreement)
    client.force_login(norrbotten_staff)
    data = followup_part_data(client.get(followup_part_url(followup, party)))
    assessment = followup.assessments.filter(commitment__party=party).first()
    client.force_login(stockholm_staff)
    for url in (followup_part_url(followup, party), followup_part_url(followup)):
        response = client.get(url)
        assert response.status_code == 404
        assert "Landstinget" not in response.content.decode()
    status = data["bedomning-0-status"] = AssessmentStatus.FULFILLED
    assert client.post(followup_part_url(followup, party), data).status_code == 404
    assert CommitmentAssessment.objects.get(pk=assessment.pk).status != status


def test_stockholm_staff_read_a_completed_followup_but_may_not_record(
    client, stockholm_staff, norrbotten_staff, followup
):
    _completed(followup, norrbotten_staff)
    party = biggest_party(followup.agreement)
    client.force_login(stockholm_staff)
    page = client.get(followup_part_url(followup, party))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Uppföljningen är avslutad och kan inte ändras." in text
    assert "<form" not in text.split('id="content-main"')[1]
    assert "Uppfyllt" in text
    data = followup_part_data(page, **{"bedomning-0-status": AssessmentStatus.NOT_FULFILLED})
    assert client.post(followup_part_url(followup, party), data).status_code == 403
    assert not followup.assessments.filter(status=AssessmentStatus.NOT_FULFILLED).exists()


def test_a_completed_followup_refuses_a_save_in_swedish(client, norrbotten_staff, followup):
    party = biggest_party(followup.agreement)
    client.force_login(norrbotten_staff)
    page = client.get(followup_part_url(followup, party))
    _completed(followup, norrbotten_staff)
    data = followup_part_data(page, **{"bedomning-0-status": AssessmentStatus.NOT_FULFILLED})
    response = client.post(followup_part_url(followup, party), data)
    assert response.status_code == 200
    assert "Uppföljningen 2009 är avslutad och kan inte ändras." in response.content.decode()
    assert not followup.assessments.filter(status=AssessmentStatus.NOT_FULFILLED).exists()


def test_national_editor_records_any_countys_followup(client, national_editor, followup):
    party = biggest_party(followup.agreement)
    client.force_login(national_editor)
    page = client.get(followup_part_url(followup, party))
    data = followup_part_data(page, **{"bedomning-0-status": AssessmentStatus.IN_PROGRESS})
    assert client.post(followup_part_url(followup, party), data).status_code == 302
    assert followup.assessments.filter(status=AssessmentStatus.IN_PROGRESS).count() == 1


def _pages(client, followup) -> dict:
    party = biggest_party(followup.agreement)
    urls = {
        "head": followup_change_url(followup),
        "party": followup_part_url(followup, party),
        "common goals": followup_part_url(followup),
    }
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        assert len(response.content) < 150_000, f"{name}: {len(response.content)} bytes"
        counts[name] = len(queries)
    return counts


def test_query_counts_constant_and_pages_small(client, norrbotten_staff, followup):
    client.force_login(norrbotten_staff)
    client.get(followup_change_url(followup))  # the session and the caches warm
    small = _pages(client, followup)
    synthetic = synthetic_agreement(norrbotten_staff)  # 20 parties, 200 commitments
    big = _pages(
        client, services.followup_start(agreement=synthetic, year=2009, user=norrbotten_staff)
    )
    assert big == small
    assert max(small.values()) <= 30


def test_recording_a_party_costs_the_same_queries_at_51_and_200_commitments(
    client, norrbotten_staff, followup
):
    client.force_login(norrbotten_staff)
    synthetic = synthetic_agreement(norrbotten_staff)
    big = services.followup_start(agreement=synthetic, year=2009, user=norrbotten_staff)
    counts = []
    for started in (followup, big):
        party = biggest_party(started.agreement)
        page = client.get(followup_part_url(started, party))
        data = followup_part_data(page, **{"bedomning-0-status": AssessmentStatus.IN_PROGRESS})
        with CaptureQueriesContext(connection) as queries:
            response = client.post(followup_part_url(started, party), data)
        assert response.status_code == 302
        assert started.assessments.filter(status=AssessmentStatus.IN_PROGRESS).count() == 1
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 30


def test_another_partys_row_sent_in_this_partys_page_is_refused(client, norrbotten_staff, followup):
    parties = list(followup.agreement.parties.order_by("order", "id")[:2])
    client.force_login(norrbotten_staff)
    page = client.get(followup_part_url(followup, parties[0]))
    other = followup.assessments.filter(commitment__party=parties[1]).first()
    data = followup_part_data(
        page,
        **{"bedomning-0-id": str(other.pk), "bedomning-0-status": AssessmentStatus.FULFILLED},
    )
    response = client.post(followup_part_url(followup, parties[0]), data)
    assert response.status_code == 200
    assert "så inget är sparat" in response.content.decode()
    assert not followup.assessments.exclude(status="").exists()
