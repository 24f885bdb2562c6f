"""The counting rules of coverage, on a small dataset worked out by hand."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actors.forms import CountingForm
from actors.models import County, Municipality
from actors.selectors import county_overview, municipality_overview, national_overview
from agreements.catalogue_index import catalogue_index_build
from agreements.coverage import CoverageState, municipality_coverage
from agreements.models import Kind
from followup.models import FollowUp, FollowUpState
from tests.factories import AgreementFactory, local_agreement

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)
DAY = datetime.timedelta(days=1)
# The day the county page counts on, for the tests that read it.
THIS_DAY = timezone.localdate()
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


@pytest.fixture
def varied_coverage():
    """Jämtland's municipalities covered in every way the rules tell apart, one rule each."""
    codes = list(
        Municipality.objects.filter(county__code=JÄMTLAND)
        .order_by("code")
        .values_list("code", flat=True)
    )
    day = datetime.date
    both = local_agreement(municipality_codes=codes[0:2], valid_from=day(2020, 1, 1))
    FollowUp.objects.create(
        agreement=both, year=2024, state=FollowUpState.COMPLETED, completed_at=timezone.now()
    )
    FollowUp.objects.create(agreement=both, year=2025)  # a draft
    # An earlier start written as a year only, beside it.
    local_agreement(
        municipality_codes=codes[:1], signed_on=day(2018, 1, 1), signed_on_precision="year"
    )
    # The same day written two ways: the lower id is the one told.
    for precision in ("year", "day"):
        tied = local_agreement(
            municipality_codes=codes[2:3],
            valid_from=day(2019, 1, 1),
            valid_from_precision=precision,
        )
    FollowUp.objects.create(
        agreement=tied, year=2022, state=FollowUpState.COMPLETED, completed_at=timezone.now()
    )
    local_agreement(municipality_codes=codes[3:4], valid_from=day(2015, 1, 1), valid_until=THIS_DAY)
    local_agreement(
        municipality_codes=codes[3:4], valid_from=day(2015, 1, 1), valid_until=THIS_DAY - DAY
    )
    local_agreement(municipality_codes=codes[3:4], valid_from=day(2015, 1, 1), draft=True)
    local_agreement(municipality_codes=codes[4:5])  # of unknown validity
    local_agreement(municipality_codes=codes[1:2])  # of unknown validity beside one in force
    first = local_agreement(municipality_codes=codes[5:6], valid_from=day(2015, 1, 1))
    for number, start in ((2, day(2019, 1, 1)), (3, THIS_DAY + 30 * DAY)):
        AgreementFactory(
            lineage=first.lineage,
            version_number=number,
            level=first.level,
            county=first.county,
            municipalities=list(first.municipalities.all()),
            valid_from=start,
        )
    local_agreement(municipality_codes=codes[6:7], valid_from=THIS_DAY + DAY)  # upcoming
    # A regional agreement naming a municipality covers none.
    AgreementFactory(
        county=County.objects.get(code=JÄMTLAND),
        municipalities=list(Municipality.objects.filter(code=codes[7])),
        valid_from=day(2020, 1, 1),
    )
    # Across two counties: counted in each county for its own municipality.
    local_agreement(municipality_codes=[codes[7], "2281"], valid_from=day(2021, 6, 1))


def _as_shown(rows):
    return [
        (
            row.municipality.pk,
            row.county_id,
            row.agreement_ids,
            row.in_force_since,
            row.last_followup_year,
            row.unknown_validity_ids,
            row.state,
        )
        for row in rows
    ]


@pytest.mark.usefixtures("varied_coverage")
@pytest.mark.parametrize(
    "on", [THIS_DAY, THIS_DAY - DAY, THIS_DAY + 31 * DAY, datetime.date(2019, 6, 1)]
)
@pytest.mark.parametrize("whole_country", [False, True])
def test_the_catalogue_index_gives_the_coverage_the_database_gives(on, whole_country):
    county = None if whole_country else County.objects.get(code=JÄMTLAND)
    index = catalogue_index_build(day=THIS_DAY)
    from_database = municipality_coverage(county=county, on=on)
    assert _as_shown(municipality_coverage(county=county, on=on, index=index)) == _as_shown(
        from_database
    )
    states = {row.state for row in from_database}
    assert on < THIS_DAY or states == {
        CoverageState.IN_FORCE,
        CoverageState.VALIDITY_UNKNOWN,
        CoverageState.NONE,
    }


@pytest.mark.usefixtures("varied_coverage")
def test_the_county_page_shows_the_coverage_the_database_gives(client):
    county = County.objects.get(code=JÄMTLAND)
    overview = county_overview(county=county, choice=CountingForm({}).choice())
    assert _as_shown(row.coverage for row in overview.coverage) == _as_shown(
        municipality_coverage(county=county, on=THIS_DAY)
    )
    html = client.get(reverse("actors:county", kwargs={"slug": county.slug})).content.decode()
    assert "6 av länets 8 kommuner har en lokal överenskommelse som gäller i dag." in html
    assert "1 kommun har en lokal överenskommelse med okänd giltighet" in html


@pytest.mark.usefixtures("varied_coverage")
def test_coverage_from_the_index_asks_two_queries(django_assert_num_queries):
    index = catalogue_index_build(day=THIS_DAY)
    county = County.objects.get(code=JÄMTLAND)
    with django_assert_num_queries(2):
        rows = municipality_coverage(county=county, on=THIS_DAY, index=index)
    assert sum(row.is_covered for row in rows) == 6


@pytest.mark.usefixtures("varied_coverage")
def test_the_national_and_municipality_pages_show_the_coverage_the_database_gives(client):
    """Both read the coverage from the catalogue's index, as the county page does."""
    from_database = municipality_coverage(on=THIS_DAY)
    summaries = {
        summary.county.pk: summary
        for summary in national_overview(choice=CountingForm({}).choice())
    }
    for county_id in {row.county_id for row in from_database}:
        rows = [row for row in from_database if row.county_id == county_id]
        summary = summaries[county_id]
        assert (summary.municipalities, summary.covered, summary.validity_unknown) == (
            len(rows),
            sum(row.is_covered for row in rows),
            sum(row.validity_unknown for row in rows),
        )
    for row in from_database:
        if row.county_id == County.objects.get(code=JÄMTLAND).pk:
            shown = municipality_overview(municipality=row.municipality).coverage.coverage
            assert _as_shown([shown]) == _as_shown([row])
    response = client.get(reverse("actors:national"))
    assert response.status_code == 200
    jämtland = summaries[County.objects.get(code=JÄMTLAND).pk]
    assert (jämtland.covered, jämtland.validity_unknown) == (6, 1)
