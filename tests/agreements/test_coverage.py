"""The counting rules of coverage, on a small dataset worked out by hand."""

import datetime

import pytest
from django.utils import timezone

from actors.models import County, Municipality
from agreements.coverage import municipality_coverage
from agreements.models import Kind
from followup.models import FollowUp, FollowUpState
from tests.factories import AgreementFactory, local_agreement

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)
JÄMTLAND = "23"


def coverage(on=TODAY):
    county = County.objects.get(code=JÄMTLAND)
    return {row.municipality.name: row for row in municipality_coverage(county=county, on=on)}


def test_every_municipality_of_the_county_gets_a_row():
    rows = coverage()
    assert len(rows) == Municipality.objects.filter(county__code=JÄMTLAND).count() == 8
    assert not any(row.is_covered for row in rows.values())


def test_multi_municipality_agreement_covers_each_municipality_once():
    agreement = local_agreement(
        municipality_codes=["2380", "2361"],  # Östersund, Härjedalen
        valid_from=datetime.date(2020, 1, 1),
    )
    rows = coverage()
    assert rows["Östersund"].agreement_ids == (agreement.pk,)
    assert rows["Härjedalen"].agreement_ids == (agreement.pk,)
    assert rows["Östersund"].in_force_since.day == datetime.date(2020, 1, 1)
    assert sum(row.is_covered for row in rows.values()) == 2


def test_only_the_version_in_force_counts():
    first = local_agreement(municipality_codes=["2380"], valid_from=datetime.date(2015, 1, 1))
    second = AgreementFactory(
        lineage=first.lineage,
        version_number=2,
        level=first.level,
        county=first.county,
        municipalities=list(first.municipalities.all()),
        valid_from=datetime.date(2019, 1, 1),
    )
    assert coverage()["Östersund"].agreement_ids == (second.pk,)
    assert coverage(on=datetime.date(2016, 1, 1))["Östersund"].agreement_ids == (first.pk,)


def test_drafts_never_count():
    local_agreement(municipality_codes=["2380"], valid_from=datetime.date(2020, 1, 1), draft=True)
    assert not coverage()["Östersund"].is_covered


def test_an_agreement_valid_until_yesterday_is_not_in_force_today():
    local_agreement(
        municipality_codes=["2380"],
        valid_from=datetime.date(2020, 1, 1),
        valid_until=TODAY - datetime.timedelta(days=1),
    )
    assert not coverage()["Östersund"].is_covered
    assert coverage(on=TODAY - datetime.timedelta(days=1))["Östersund"].is_covered


def test_an_annex_agreement_covers_its_municipality():
    main = local_agreement(municipality_codes=["2380"], valid_from=datetime.date(2020, 1, 1))
    annex = local_agreement(
        municipality_codes=["2309"],
        kind=Kind.ANNEX,
        annex_to=main,  # Krokom
        valid_from=datetime.date(2021, 1, 1),
    )
    assert coverage()["Krokom"].agreement_ids == (annex.pk,)


def test_last_completed_followup_year():
    agreement = local_agreement(municipality_codes=["2380"], valid_from=datetime.date(2020, 1, 1))
    FollowUp.objects.create(
        agreement=agreement, year=2024, state=FollowUpState.COMPLETED, completed_at=timezone.now()
    )
    FollowUp.objects.create(agreement=agreement, year=2025)  # still a draft
    assert coverage()["Östersund"].last_followup_year == 2024


def test_query_count_does_not_grow(django_assert_num_queries):
    for code in ["2380", "2361", "2309"]:
        local_agreement(municipality_codes=[code], valid_from=datetime.date(2020, 1, 1))
    county = County.objects.get(code=JÄMTLAND)
    with django_assert_num_queries(2):
        rows = municipality_coverage(county=county, on=TODAY)
    assert sum(row.is_covered for row in rows) == 3
