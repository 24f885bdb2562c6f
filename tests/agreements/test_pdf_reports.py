"""County and national reports: what is in force on the day, coverage, follow-up status."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.forms import Counting
from actors.models import County, Municipality
from agreements.pdf_selectors import county_report
from followup.models import AssessmentStatus, CommitmentAssessment, FollowUp, FollowUpState
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.factories import CommitmentFactory, PartyFactory, local_agreement

pdf_cache = pdf_support.pdf_cache
no_render = pdf_support.no_render

pytestmark = pytest.mark.django_db

NORRBOTTEN_REPORT = reverse("agreements:county_report_pdf", kwargs={"slug": "norrbottens-lan"})


def _completed_followup(agreement, year, statuses):
    followup = FollowUp.objects.create(
        agreement=agreement,
        year=year,
        state=FollowUpState.COMPLETED,
        completed_at=timezone.now(),
        revision_recommended=True,
    )
    party = PartyFactory(agreement=agreement)
    for status in statuses:
        CommitmentAssessment.objects.create(
            followup=followup, commitment=CommitmentFactory(party=party), status=status
        )
    return followup


def test_norrbotten_today_lists_every_municipality_and_the_expired_agreement(client, pdf_cache):
    response = client.get(NORRBOTTEN_REPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = read_pdf(response.content)
    today = timezone.localdate()
    assert document.reader.metadata.title == "Länsrapport: Norrbottens län"
    assert document.reader.trailer["/Root"]["/Lang"] == "sv"
    names = Municipality.objects.filter(county__code="25").values_list("name", flat=True)
    assert len(names) == 14
    missing = [name for name in names if not document.contains(name)]
    assert missing == []
    assert document.contains("Ingen publicerad överenskommelse i Norrbottens län gäller")
    assert document.contains("0 av 14 kommuner")
    # The 2009 agreement has expired and is listed as such.
    assert document.contains("Övriga publicerade överenskommelser i länet")
    assert document.contains("Har upphört")
    assert document.contains("Regional överenskommelse om samverkan för nyanlända invandrares")
    # Reception figures from the agreement: Luleå 120 in 2007–2009.
    assert document.contains("Mottagande enligt överenskommelserna")
    count = len(document.pages)
    for number, page in enumerate(document.pages, start=1):
        assert pdf_support.squash(f"Sida {number} av {count}") in pdf_support.squash(page)
    assert today.year > 2009


def test_norrbotten_in_2009_with_a_local_agreement_and_its_followup(client, pdf_cache):
    lulea = local_agreement(
        municipality_codes=["2580"],
        title="Lokal överenskommelse i Luleå",
        valid_from=datetime.date(2009, 1, 1),
    )
    _completed_followup(
        lulea, 2009, [AssessmentStatus.FULFILLED, AssessmentStatus.FULFILLED, "not_started"]
    )
    local_agreement(
        municipality_codes=["2584"],
        title="Kvastfenors utkast i Kiruna",
        valid_from=datetime.date(2009, 1, 1),
        draft=True,
    )

    response = client.get(NORRBOTTEN_REPORT, {"date": "2009-06-01"})

    document = read_pdf(response.content)
    assert document.contains("som gäller den 1 juni 2009")
    assert document.contains("Regional överenskommelse om samverkan för nyanlända invandrares")
    assert document.contains("Lokal överenskommelse i Luleå")
    assert document.contains("1 av 14 kommuner (7 %)")
    assert document.contains("Uppfyllt: 2")
    assert document.contains("Ej påbörjat: 1")
    assert document.contains("Revidering rekommenderas")
    assert not document.contains("Kvastfenor")


def test_a_bad_date_gets_a_swedish_message(client, no_render):
    response = client.get(NORRBOTTEN_REPORT, {"date": "1 juni"})
    assert response.status_code == 400
    assert response.content.decode() == (
        "Datum: Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-11-23."
    )
    response = client.get(reverse("agreements:national_report_pdf"), {"date": "2009-13-01"})
    assert response.status_code == 400
    assert no_render == []


def test_unknown_county_is_404(client):
    url = reverse("agreements:county_report_pdf", kwargs={"slug": "atlantis-lan"})
    assert client.get(url).status_code == 404


def test_national_report_covers_every_county(client, pdf_cache):
    local_agreement(
        municipality_codes=["0181", "0180"],
        title="Gemensam överenskommelse för Södertälje och Stockholm",
        valid_from=datetime.date(2020, 1, 1),
    )
    response = client.get(reverse("agreements:national_report_pdf"))

    assert response.status_code == 200
    document = read_pdf(response.content)
    assert document.reader.metadata.title == (
        "Nationell rapport: samverkansöverenskommelser i Sverige"
    )
    counties = list(County.objects.values_list("name", flat=True))
    assert len(counties) == 21
    assert [name for name in counties if not document.contains(name)] == []
    assert document.contains("2 av 290")
    assert document.contains("2 av 26 (8 %)")  # Stockholms län


@pytest.mark.parametrize("extra", [0, 12])
def test_county_report_query_count_does_not_grow(
    client, django_assert_max_num_queries, no_render, extra
):
    codes = list(Municipality.objects.filter(county__code="25").values_list("code", flat=True))
    for index in range(extra):
        agreement = local_agreement(
            municipality_codes=[codes[index % len(codes)]], valid_from=datetime.date(2020, 1, 1)
        )
        _completed_followup(agreement, 2024, [AssessmentStatus.IN_PROGRESS])
    with django_assert_max_num_queries(12):
        response = client.get(NORRBOTTEN_REPORT)
    assert response.status_code == 200
    report = county_report(
        county=County.objects.get(code="25"), choice=Counting(on=timezone.localdate())
    )
    assert len(report.in_force) == extra
    assert report.covered_count == min(extra, 14)


@pytest.mark.parametrize("extra", [0, 12])
def test_national_report_query_count_does_not_grow(
    client, django_assert_max_num_queries, no_render, extra
):
    codes = list(Municipality.objects.values_list("code", flat=True)[:extra])
    for code in codes:
        local_agreement(municipality_codes=[code], valid_from=datetime.date(2020, 1, 1))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("agreements:national_report_pdf"))
    assert response.status_code == 200


def test_county_report_totals_the_reception_figures_per_year(client, pdf_cache):
    document = read_pdf(client.get(NORRBOTTEN_REPORT).content)
    assert document.contains("Summa 595 (220) 610 (235) 610 (235)")
    assert document.contains("Antal kommuner 13 14 14")


def test_county_report_reception_totals_match_the_printed_table():
    norrbotten = County.objects.get(code="25")
    report = county_report(county=norrbotten, choice=Counting(on=datetime.date(2009, 6, 1)))
    totals = {
        year.year: (year.municipality_count, year.agreed_total, year.assigned_total)
        for year in report.reception_totals
    }
    assert totals[2007] == (13, 595, 220)
