"""The follow-up screens of the admin, as each persona uses them."""

import datetime

import pytest
from django.urls import reverse

from agreements.models import Agreement
from followup import services
from followup.models import AssessmentStatus, FollowUp, FollowUpState
from tests.followup.helpers import followup_part_data, followup_part_url

pytestmark = pytest.mark.django_db

START = reverse("admin:followup_followup_start")
MISSING = reverse("admin:followup_followup_missing")
CHANGELIST = reverse("admin:followup_followup_changelist")


@pytest.fixture
def rok():
    return Agreement.objects.get(lineage__slug="norrbotten-rok")


def change_url(followup):
    return reverse("admin:followup_followup_change", args=[followup.pk])


def form_data(response, **changes) -> dict:
    """What the browser would post back from the head page, as rendered."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def record_every_party(client, followup, status, **changes) -> None:
    """Each party's page saved with every commitment given `status` (and `changes`)."""
    for party in followup.agreement.parties.order_by("order", "id"):
        page = client.get(followup_part_url(followup, party))
        statuses = {
            form["status"].html_name: status for form in page.context["assessment_formset"].forms
        }
        data = followup_part_data(page, **statuses)
        data.update({key: value for key, value in changes.items() if key in data})
        assert client.post(followup_part_url(followup, party), data).status_code == 302


def test_norrbotten_staff_starts_records_completes_and_reopens(client, norrbotten_staff, rok):
    client.force_login(norrbotten_staff)
    page = client.get(START)
    assert page.status_code == 200
    assert "Starta uppföljningen" in page.content.decode()

    response = client.post(START, {"agreement": rok.pk, "year": 2009})
    followup = FollowUp.objects.get(agreement=rok, year=2009)
    assert response.status_code == 302
    assert response["Location"] == change_url(followup)

    page = client.get(change_url(followup))
    text = page.content.decode()
    assert "Spara och avsluta uppföljningen" in text
    assert "51 av 51 åtaganden är inte bedömda" in text
    landsting = rok.commitments.get(text__startswith="Landstinget ska erbjuda hälso").party
    assert str(landsting.organisation) in text  # the head page lists the parties
    party_page = client.get(followup_part_url(followup, landsting)).content.decode()
    assert "Landstinget ska erbjuda hälso- och sjukvård" in party_page

    # Completing too early: saved, not completed, and told what is missing.
    response = client.post(
        change_url(followup),
        form_data(page, summary="Träffar hölls i alla kommuner.", _complete="1"),
        follow=True,
    )
    text = response.content.decode()
    assert "51 av 51 åtaganden är inte bedömda" in text
    assert "Ändringarna är sparade, men uppföljningen är inte avslutad." in text
    followup.refresh_from_db()
    assert followup.summary == "Träffar hölls i alla kommuner."
    assert followup.state == FollowUpState.DRAFT

    record_every_party(
        client, followup, AssessmentStatus.IN_PROGRESS, **{"bedomning-0-comment": "Startat."}
    )
    page = client.get(change_url(followup))
    assert "Ej bedömda: </span>0" in page.content.decode()
    response = client.post(change_url(followup), form_data(page, _complete="1"), follow=True)
    assert "Uppföljningen 2009 är avslutad" in response.content.decode()
    followup.refresh_from_db()
    assert followup.state == FollowUpState.COMPLETED
    assert set(followup.assessments.values_list("status", flat=True)) == {"in_progress"}
    parties = followup.agreement.parties.filter(commitments__isnull=False).distinct().count()
    assert followup.assessments.filter(comment="Startat.").count() == parties

    # Read-only now, with a way to reopen.
    page = client.get(change_url(followup))
    text = page.content.decode()
    assert 'name="_save"' not in text
    assert 'name="_complete"' not in text
    assert "Öppna igen" in text
    response = client.post(change_url(followup), form_data(page, summary="Ändrad"))
    assert response.status_code == 403

    reopen = reverse("admin:followup_followup_reopen", args=[followup.pk])
    response = client.post(reopen, {"reason": ""})
    assert "Skriv varför uppföljningen öppnas igen." in response.content.decode()
    followup.refresh_from_db()
    assert followup.state == FollowUpState.COMPLETED

    response = client.post(reopen, {"reason": "Landstingets status var fel."}, follow=True)
    assert "är öppen för ändringar igen" in response.content.decode()
    followup.refresh_from_db()
    assert followup.state == FollowUpState.DRAFT
    page = client.get(change_url(followup)).content.decode()
    assert "Öppnades igen av norrbotten. Anledning: Landstingets status var fel." in page


def test_the_add_button_leads_to_the_start_form(client, norrbotten_staff, rok):
    client.force_login(norrbotten_staff)
    response = client.get(reverse("admin:followup_followup_add") + f"?agreement={rok.pk}")
    assert response["Location"] == f"{START}?agreement={rok.pk}"


def test_start_form_refuses_other_counties_and_bad_years_in_swedish(client, stockholm_staff, rok):
    client.force_login(stockholm_staff)
    text = client.post(START, {"agreement": rok.pk, "year": 2009}).content.decode()
    assert "Du kan bara följa upp överenskommelser i ditt eget län" in text
    sodertalje = Agreement.objects.get(lineage__slug="sodertalje-lok")
    text = client.post(START, {"agreement": sodertalje.pk, "year": "tjugo"}).content.decode()
    assert "Skriv året med fyra siffror" in text
    assert not FollowUp.objects.exists()


def test_start_form_reports_a_year_outside_the_agreement(client, norrbotten_staff, rok):
    client.force_login(norrbotten_staff)
    text = client.post(START, {"agreement": rok.pk, "year": 2010}).content.decode()
    assert "Överenskommelsen gällde till 2009" in text
    assert not FollowUp.objects.exists()


def test_stockholm_staff_neither_sees_nor_changes_a_norrbotten_draft(
    client, norrbotten_staff, stockholm_staff, rok
):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    client.force_login(stockholm_staff)
    assert "Regional överenskommelse om samverkan" not in client.get(CHANGELIST).content.decode()
    response = client.get(change_url(followup))
    assert response.status_code == 302  # the admin's answer for an object it cannot find


def test_stockholm_staff_reads_but_cannot_reopen_a_completed_norrbotten_followup(
    client, norrbotten_staff, stockholm_staff, rok
):
    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    services.followup_update(followup=followup, user=norrbotten_staff, data={"summary": "Klar."})
    services.followup_record(
        followup=followup,
        user=norrbotten_staff,
        assessments=[(a, AssessmentStatus.FULFILLED, "") for a in followup.assessments.all()],
    )
    services.followup_complete(followup=followup, user=norrbotten_staff)
    client.force_login(stockholm_staff)
    page = client.get(change_url(followup))
    assert page.status_code == 200
    assert "Öppna igen" not in page.content.decode()
    reopen = reverse("admin:followup_followup_reopen", args=[followup.pk])
    assert client.post(reopen, {"reason": "Vill ändra."}).status_code == 403
    followup.refresh_from_db()
    assert followup.state == FollowUpState.COMPLETED


def test_national_editor_starts_the_central_agreements_followup(client, national_editor):
    cok = Agreement.objects.get(lineage__slug="cok")
    client.force_login(national_editor)
    response = client.post(START, {"agreement": cok.pk, "year": 2006})
    assert response.status_code == 302
    assert FollowUp.objects.get(agreement=cok).assessments.count() == cok.commitments.count()


def test_unscoped_staff_cannot_start(client, unscoped_staff, rok):
    client.force_login(unscoped_staff)
    assert client.get(START).status_code == 403
    assert client.post(START, {"agreement": rok.pk, "year": 2009}).status_code == 403
    assert "ingen behörighet för något län" in client.get(MISSING).content.decode()


def test_missing_list_shows_my_countys_agreements_without_a_completed_followup(
    client, norrbotten_staff, stockholm_staff, rok
):
    client.force_login(norrbotten_staff)
    text = client.get(MISSING, {"year": 2009}).content.decode()
    assert "1 överenskommelse saknar avslutad uppföljning för 2009" in text
    assert rok.title in text
    assert "Starta uppföljning 2009" in text

    followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    text = client.get(MISSING, {"year": 2009}).content.decode()
    assert "Påbörjad – fortsätt" in text
    assert change_url(followup) in text

    services.followup_update(followup=followup, user=norrbotten_staff, data={"summary": "Klar."})
    services.followup_record(
        followup=followup,
        user=norrbotten_staff,
        assessments=[(a, AssessmentStatus.FULFILLED, "") for a in followup.assessments.all()],
    )
    services.followup_complete(followup=followup, user=norrbotten_staff)
    text = client.get(MISSING, {"year": 2009}).content.decode()
    assert rok.title not in text
    assert "har en avslutad uppföljning för 2009" in text

    client.force_login(stockholm_staff)
    assert rok.title not in client.get(MISSING, {"year": 2009}).content.decode()


def test_missing_list_defaults_to_last_year(client, norrbotten_staff):
    client.force_login(norrbotten_staff)
    last_year = datetime.date.today().year - 1
    text = client.get(MISSING).content.decode()
    assert f"saknar avslutad uppföljning för {last_year}" in text


def test_reception_figures_change_only_in_the_own_county(client, norrbotten_staff, stockholm_staff):
    from followup.models import ReceptionFigure

    figure = ReceptionFigure.objects.filter(municipality__code="2580").first()  # Luleå
    url = reverse("admin:followup_receptionfigure_change", args=[figure.pk])
    data = {
        "municipality": figure.municipality_id,
        "year": figure.year,
        "agreed_number": 1,
        "assigned_number": "",
        "source_agreement": figure.source_agreement_id,
    }
    client.force_login(stockholm_staff)
    assert client.get(url).status_code == 200  # public figures may be read
    assert client.post(url, data).status_code == 403
    figure.refresh_from_db()
    assert figure.agreed_number == 120
    client.force_login(norrbotten_staff)
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert figure.agreed_number == 1
