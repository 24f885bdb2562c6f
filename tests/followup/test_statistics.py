"""Every statistic on the hand-counted dataset of tests/followup/dataset.py."""

import datetime

import pytest

from actors.models import County
from agreements.coverage import in_force_during
from agreements.models import Agreement, Level
from followup import statistics as stats
from tests.factories import AgreementFactory
from tests.followup.dataset import ON, build

pytestmark = pytest.mark.django_db

YESTERDAY = ON - datetime.timedelta(days=1)


@pytest.fixture
def data():
    return build()


# Coverage and its counting rules --------------------------------------------------------------


def test_coverage_in_the_county_applies_every_counting_rule(data):
    rows = {r.municipality.name: r for r in stats.coverage_of_county(county=data.county, on=ON)}
    covered = {name for name, row in rows.items() if row.is_covered}
    # A covers both its municipalities; only B's version 2 counts; C (annex) covers Berg;
    # D is a draft; E ended yesterday.
    assert covered == {"Östersund", "Krokom", "Åre", "Berg"}
    assert [a.pk for a in rows["Östersund"].agreements] == [data.a.pk]
    assert [a.pk for a in rows["Krokom"].agreements] == [data.a.pk]
    assert [a.pk for a in rows["Åre"].agreements] == [data.b2.pk]
    assert [a.pk for a in rows["Berg"].agreements] == [data.c.pk]
    assert not rows["Ragunda"].is_covered
    assert not rows["Bräcke"].is_covered


def test_coverage_per_county_and_nationally(data):
    rows, total = stats.coverage_by_county(on=ON)
    jamtland = next(r for r in rows if r.county.code == "23")
    assert (jamtland.municipalities, jamtland.covered, jamtland.share) == (8, 4, 0.5)
    assert len(rows) == 21
    assert (total.municipalities, total.covered) == (290, 4)
    assert all(r.covered == 0 for r in rows if r.county.code != "23")


def test_an_agreement_valid_until_yesterday_counts_yesterday(data):
    _, total = stats.coverage_by_county(on=YESTERDAY)
    assert total.covered == 5  # Bräcke too


def test_only_the_version_in_force_counts_before_the_revision(data):
    rows = {
        r.municipality.name: r
        for r in stats.coverage_of_county(county=data.county, on=datetime.date(2021, 6, 1))
    }
    assert [a.pk for a in rows["Åre"].agreements] == [data.b1.pk]


def test_counties_with_a_regional_agreement_in_force(data):
    rows = stats.regional_agreements_in_force(on=ON)
    assert [r.county.code for r in rows if r.has_agreement] == ["23"]
    assert len(rows) == 21
    assert stats.regional_agreements_in_force(on=datetime.date(2018, 6, 1))[18].agreements == []
    # The seed RÖK Norrbotten was in force in 2009.
    in_2009 = stats.regional_agreements_in_force(on=datetime.date(2009, 6, 1))
    assert [r.county.code for r in in_2009 if r.has_agreement] == ["25"]


def test_multi_municipality_agreements(data):
    rows = stats.multi_municipality_agreements(on=ON)
    assert [(r.agreement.pk, [m.name for m in r.municipalities]) for r in rows] == [
        (data.a.pk, ["Krokom", "Östersund"])  # in code order: 2309, 2380
    ]
    assert stats.multi_municipality_agreements(on=datetime.date(2019, 6, 1)) == []


# In force during a year ---------------------------------------------------------------------


def test_in_force_during_a_year_takes_each_version_while_it_was_in_force(data):
    def during(year):
        return set(in_force_during(Agreement.objects.filter(lineage=data.b1.lineage), year=year))

    assert during(2017) == set()
    assert during(2021) == {data.b1}
    assert during(2022) == {data.b2}  # v2 took over on 1 January
    bracke = Agreement.objects.filter(pk=data.e.pk)
    assert set(in_force_during(bracke, year=2026)) == {data.e}
    assert set(in_force_during(bracke, year=2027)) == set()


def test_in_force_during_agrees_with_in_force_day_by_day(data):
    """The per-row shortcut in in_force_during matches in_force(on=) tried on each boundary."""
    lineage = data.b1.lineage
    v3 = AgreementFactory(
        lineage=lineage,
        version_number=3,
        level=Level.LOCAL,
        county=data.county,
        valid_from=datetime.date(2023, 7, 1),
        valid_until=datetime.date(2023, 9, 30),
    )
    versions = Agreement.objects.filter(lineage=lineage)
    boundaries = [datetime.date(2023, 6, 30), datetime.date(2023, 10, 1)]
    for year in (2017, 2021, 2022, 2023, 2024):
        days = [datetime.date(year, month, 1) for month in range(1, 13)]
        days += [datetime.date(year, 12, 31), *[d for d in boundaries if d.year == year]]
        expected = {agreement for day in days for agreement in versions.in_force(on=day)}
        assert set(in_force_during(versions, year=year)) == expected, year
    assert v3 in set(in_force_during(versions, year=2023))


# Stock over time ----------------------------------------------------------------------------


def test_stock_over_time_in_the_county(data):
    assert stats.stock_first_year(county=data.county) == 2018
    counted, unknown = stats.stock_by_year(first_year=2017, last_year=2026, county=data.county)
    years = {s.year: s for s in counted}
    assert years[2017].signed == {} and years[2017].in_force == {}
    # Only B v2 has a signing date; the others count as signed in an unknown year, not in
    # the year they started (D is a draft).
    assert sum(s.signed.total() for s in years.values()) == 0
    assert unknown.signed == {Level.LOCAL: 4, Level.REGIONAL: 1}  # A, B v1, C, E; F
    assert years[2021].revised == {Level.LOCAL: 1}  # B v2, signed 15 December 2021
    assert sum(s.revised.total() for s in years.values()) == 1
    assert unknown.in_force == {}  # every version has a start date
    assert years[2018].in_force == {Level.LOCAL: 1}
    assert years[2019].in_force == {Level.LOCAL: 2, Level.REGIONAL: 1}
    assert years[2020].in_force == {Level.LOCAL: 3, Level.REGIONAL: 1}
    # B counts once in 2022 although its lineage has two versions.
    assert years[2022].in_force == {Level.LOCAL: 4, Level.REGIONAL: 1}
    # E ended on 31 May 2026 and still counts for 2026.
    assert years[2026].in_force == {Level.LOCAL: 4, Level.REGIONAL: 1}


def test_stock_nationally_includes_the_seed_agreements(data):
    counted, unknown = stats.stock_by_year(first_year=2006, last_year=2009)
    years = {s.year: s for s in counted}
    # CÖK 2006 gives no signing date: it counts under "okänt", not under its start year.
    assert years[2006].signed == {}
    assert unknown.signed[Level.CENTRAL] == 1
    assert years[2006].in_force == {Level.CENTRAL: 1}
    assert years[2009].in_force == {Level.REGIONAL: 1}  # RÖK Norrbotten
    assert years[2007].in_force == {}


# Participation ------------------------------------------------------------------------------


@pytest.fixture
def participation(data):
    agreements = stats.agreements_selected(on=ON, county=data.county)
    return stats.participation_data(agreements)


def test_the_selection_in_force(data, participation):
    assert set(participation.levels) == {data.a.pk, data.b2.pk, data.c.pk, data.f.pk}


def test_participation_by_kind_and_level(participation):
    rows = {r.category.label: dict(r.counts) for r in stats.participation_by_kind(participation)}
    assert rows == {
        # The unit Arbetsförmedlingen Östersund counts as Arbetsförmedlingen, a national agency.
        "Statlig myndighet": {Level.LOCAL: 3, Level.REGIONAL: 1},
        "Kommun": {Level.LOCAL: 3},
        "Länsstyrelse": {Level.REGIONAL: 1},
        "Region/landsting": {Level.REGIONAL: 1},
    }
    assert stats.participation_by_kind(participation)[0].category.label == "Statlig myndighet"


def test_participation_by_agency(participation):
    rows = {r.category.label: r.total for r in stats.participation_by_agency(participation)}
    assert rows == {"Arbetsförmedlingen": 4, "Migrationsverket": 2}


def test_combinations_are_ranked(participation):
    rows = [(c.label, c.count) for c in stats.participation_combinations(participation)]
    assert rows == [
        ("kommun + Arbetsförmedlingen", 2),  # A and C
        ("kommun + Arbetsförmedlingen + Migrationsverket", 1),  # B v2
        ("länsstyrelse + region/landsting + Arbetsförmedlingen + Migrationsverket", 1),  # F
    ]


def test_parties_per_agreement(participation):
    summaries = {s.level: s for s in stats.parties_per_agreement(participation)}
    local = summaries[Level.LOCAL]
    assert (local.agreements, local.minimum, local.median, local.maximum) == (3, 2, 2, 3)
    every = summaries[None]
    assert (every.agreements, every.minimum, every.median, every.maximum) == (4, 2, 2.5, 4)
    assert summaries[Level.CENTRAL].agreements == 0
    assert summaries[Level.CENTRAL].median is None


def test_selection_of_all_published_takes_the_newest_version_whatever_its_dates(data):
    agreements = set(
        stats.agreements_selected(on=ON, county=data.county, selection=stats.Selection.ALL)
    )
    assert agreements == {data.a, data.b2, data.c, data.e, data.f}


# Content quality ----------------------------------------------------------------------------


def test_content_quality_shares(data):
    agreements = stats.agreements_selected(on=ON, county=data.county)
    rows = {r.key: r for r in stats.content_quality(agreements)}
    counts = {key: (r.count, r.total) for key, r in rows.items()}
    assert counts == {
        "purpose": (2, 4),  # A, F
        "goals": (2, 4),  # A, F
        "measurable_goals": (1, 4),  # A
        "target_group": (2, 4),  # A (text), B v2 (tag)
        "commitments": (1, 4),  # A: every party
        "commitments_partly": (1, 4),  # B v2: one of three
        "commitments_no": (2, 4),  # C, F
        "organisation": (1, 4),  # F
        "followup_routine": (1, 4),  # A
        "followup_who": (1, 4),  # A
        "followup_how_often": (2, 4),  # A, F
        "revision_routine": (0, 4),
        "gender_equality": (1, 4),  # A
        "child": (2, 4),  # A, F
        "family": (0, 4),
        "legal_references": (1, 4),  # F
    }
    assert rows["purpose"].share == 0.5
    assert rows["purpose"].share_of(Level.LOCAL) == pytest.approx(1 / 3)
    assert rows["purpose"].share_of(Level.REGIONAL) == 1
    assert rows["purpose"].share_of(Level.CENTRAL) is None


def test_checklist_of_one_agreement_uses_the_same_rules(data):
    items = {i.key: i for i in stats.agreement_checklist(agreement=data.a)}
    yes = {key for key, item in items.items() if item.answer == stats.Answer.YES}
    assert yes == {
        "purpose",
        "goals",
        "measurable_goals",
        "target_group",
        "commitments",
        "followup_routine",
        "followup_who",
        "followup_how_often",
        "gender_equality",
        "child",
    }
    assert items["commitments"].detail == "2 av 2 parter har åtaganden"
    b2 = {i.key: i for i in stats.agreement_checklist(agreement=data.b2)}
    assert b2["commitments"].answer == stats.Answer.PARTLY
    assert b2["commitments"].answer_label == "Delvis"


# Follow-up ----------------------------------------------------------------------------------


def test_share_of_agreements_followed_up(data):
    rows, total = stats.followup_share(year=2025, county=data.county)
    assert [(r.county.code, r.in_force, r.followed_up) for r in rows] == [("23", 5, 2)]
    assert total.share == 0.4  # A and B of A, B, C, E, F; D is a draft
    rows, total = stats.followup_share(year=2025)
    assert (total.in_force, total.followed_up) == (5, 2)
    assert rows[-1].county is None  # central agreements
    _, in_2024 = stats.followup_share(year=2024, county=data.county)
    assert (in_2024.in_force, in_2024.followed_up) == (5, 1)  # F


def test_commitment_status_by_theme(data):
    rows = {r.label: r.fulfilment for r in stats.commitment_status_by_theme(year=2025)}
    assert {label: dict(f.counts) for label, f in rows.items()} == {
        "Arbete": {"fulfilled": 1, "in_progress": 1},
        "Sfi": {"fulfilled": 1},
        "Boende": {"not_fulfilled": 1},
        "Utan tema": {"not_applicable": 1},
    }
    assert rows["Arbete"].rate == 0.5
    assert rows["Utan tema"].rate is None  # nothing applicable
    total = stats.assessment_totals(year=2025)
    assert (total.total, total.applicable, total.fulfilled) == (4, 3, 1)


def test_commitment_status_by_organisation_kind(data):
    rows = {
        r.label: r.fulfilment
        for r in stats.commitment_status_by_organisation_kind(year=2025, county=data.county)
    }
    assert {label: dict(f.counts) for label, f in rows.items()} == {
        "Kommun": {"fulfilled": 1, "not_fulfilled": 1},
        "Statlig myndighet": {"in_progress": 1, "not_applicable": 1},
    }
    assert rows["Kommun"].rate == 0.5
    assert rows["Statlig myndighet"].rate == 0


def test_no_statuses_for_a_year_without_completed_followups(data):
    assert stats.commitment_status_by_theme(year=2026) == []  # only a draft in 2026


# Reception figures --------------------------------------------------------------------------


def test_norrbotten_reception_totals():
    norrbotten = County.objects.get(code="25")
    totals = stats.reception_totals(stats.reception_figures(county=norrbotten))
    assert [(t.year, t.municipalities, t.agreed, t.assigned) for t in totals] == [
        (2007, 13, 595, 220),
        (2008, 14, 610, 235),
        (2009, 14, 610, 235),
    ]


def test_reception_figures_count_the_newest_published_source_once(data):
    rows = stats.reception_figures(county=data.county)
    assert [(r.municipality.name, r.year, r.agreed, r.assigned) for r in rows] == [
        ("Krokom", 2024, 10, None),
        ("Östersund", 2024, 50, 20),  # from A, not the older B v1; Berg's is in a draft
    ]
    (total,) = stats.reception_totals(rows)
    assert (total.year, total.municipalities, total.agreed, total.assigned) == (2024, 2, 60, 20)


def test_national_reception_totals_list_each_county_and_year(data):
    totals = stats.reception_totals(stats.reception_figures())
    assert [(t.county.code, t.year) for t in totals] == [
        ("23", 2024),
        ("25", 2007),
        ("25", 2008),
        ("25", 2009),
    ]
