"""Every rule of the domain refuses bad data with a Swedish message that says what to fix,
both in validation (what staff see) and in the database (what no code path can bypass)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actors.models import Municipality, Organisation, OrganisationKind
from agreements.models import Agreement, Level, Party, validate_municipalities
from commitments.models import Commitment
from followup.models import FollowUp
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GoalFactory,
    LineageFactory,
    OrganisationFactory,
    PartyFactory,
)

TODAY = datetime.date(2026, 1, 1)
pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def assert_refused_by_database(save):
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def test_validity_must_be_in_order():
    agreement = AgreementFactory.build(
        lineage=LineageFactory(),
        valid_from=datetime.date(2010, 1, 1),
        valid_until=datetime.date(2009, 12, 31),
    )
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "”Gäller till” kan inte vara före ”gäller från”" in messages(error.value)
    assert_refused_by_database(agreement.save)
    assert not Agreement.objects.filter(pk=agreement.pk).exists()


def test_central_agreement_has_no_county(norrbotten):
    agreement = AgreementFactory.build(
        lineage=LineageFactory(), level=Level.CENTRAL, county=norrbotten
    )
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "En central överenskommelse gäller hela landet" in messages(error.value)
    assert_refused_by_database(agreement.save)


@pytest.mark.parametrize("level", [Level.REGIONAL, Level.LOCAL])
def test_regional_and_local_agreements_need_a_county(level):
    agreement = AgreementFactory.build(lineage=LineageFactory(), level=level, county=None)
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "måste ha ett län" in messages(error.value)
    assert_refused_by_database(agreement.save)


def test_local_agreement_needs_a_municipality(norrbotten):
    with pytest.raises(ValidationError) as error:
        validate_municipalities(level=Level.LOCAL, county=norrbotten, municipalities=[], day=TODAY)
    assert "minst en kommun" in messages(error.value)


def test_local_agreement_municipalities_lie_in_its_county(norrbotten):
    lulea = Municipality.objects.get(code="2580")
    salem = Municipality.objects.get(code="0128")
    validate_municipalities(level=Level.LOCAL, county=norrbotten, municipalities=[lulea], day=TODAY)
    with pytest.raises(ValidationError) as error:
        validate_municipalities(
            level=Level.LOCAL, county=norrbotten, municipalities=[lulea, salem], day=TODAY
        )
    assert "Salem ligger inte i Norrbottens län" in messages(error.value)


def test_an_organisation_is_party_to_an_agreement_once():
    party = PartyFactory()
    duplicate = Party(agreement=party.agreement, organisation=party.organisation)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Organisationen är redan part i överenskommelsen" in messages(error.value)
    assert_refused_by_database(duplicate.save)


def test_only_a_signatory_has_a_signatory_name():
    party = PartyFactory.build(
        agreement=AgreementFactory(),
        organisation=OrganisationFactory(),
        role="co_opted",
        signatory_name="Någon",
    )
    with pytest.raises(ValidationError) as error:
        party.full_clean()
    assert "Bara en undertecknande part har undertecknare" in messages(error.value)


def test_commitment_party_belongs_to_the_same_agreement():
    party = PartyFactory()
    other_agreement = AgreementFactory()
    commitment = Commitment(agreement=other_agreement, party=party, text="Ordna språkcaféer.")
    with pytest.raises(ValidationError) as error:
        commitment.full_clean()
    assert f"{party.organisation} är inte part i den här överenskommelsen" in messages(error.value)
    assert_refused_by_database(commitment.save)
    assert not Commitment.objects.filter(agreement=other_agreement).exists()


def test_goal_party_belongs_to_the_same_agreement():
    party = PartyFactory()
    goal = GoalFactory.build(agreement=AgreementFactory(), party=party)
    with pytest.raises(ValidationError):
        goal.full_clean()
    assert_refused_by_database(goal.save)


def test_commitment_with_its_own_agreements_party_is_accepted():
    commitment = CommitmentFactory()
    commitment.full_clean()
    assert commitment.party.agreement_id == commitment.agreement_id


def test_one_followup_per_agreement_and_year():
    agreement = AgreementFactory()
    FollowUp.objects.create(agreement=agreement, year=2024)
    duplicate = FollowUp(agreement=agreement, year=2024)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "redan en uppföljning för det året" in messages(error.value)
    assert_refused_by_database(duplicate.save)
    FollowUp.objects.create(agreement=agreement, year=2025)


def test_version_belongs_to_one_lineage_once():
    agreement = AgreementFactory()
    twin = AgreementFactory.build(lineage=agreement.lineage, version_number=1)
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "Versionen finns redan" in messages(error.value)
    assert_refused_by_database(twin.save)
    AgreementFactory(lineage=agreement.lineage, version_number=2)


def test_a_version_must_have_a_lineage():
    agreement = AgreementFactory.build(lineage=None)
    with pytest.raises(ValidationError):
        agreement.full_clean()
    assert_refused_by_database(agreement.save)


def test_goal_baseline_cannot_follow_target():
    goal = GoalFactory.build(
        agreement=AgreementFactory(),
        indicator="Andel i arbete",
        baseline_value=20,
        baseline_year=2020,
        target_value=40,
        target_year=2018,
    )
    with pytest.raises(ValidationError) as error:
        goal.full_clean()
    assert "Utgångsåret kan inte vara efter målåret" in messages(error.value)


@pytest.mark.parametrize(
    ("number", "valid"),
    [("202100-2114", True), ("2021002114", True), ("202100-2115", False), ("12345", False)],
)
def test_organisation_number_checksum(number, valid):
    organisation = Organisation(
        name="Arbetsförmedlingen test",
        slug="af-test",
        kind=OrganisationKind.NATIONAL_AGENCY,
        organisation_number=number,
    )
    if valid:
        organisation.full_clean()
        assert organisation.organisation_number == "202100-2114"
    else:
        with pytest.raises(ValidationError) as error:
            organisation.full_clean()
        assert "Organisationsnumret" in messages(error.value)
        assert "inte giltigt" in messages(error.value)


def test_organisation_active_dates_in_order():
    organisation = OrganisationFactory.build(
        active_from=datetime.date(2008, 1, 1), active_until=datetime.date(2007, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "”Verksam till” kan inte vara före ”verksam från”" in messages(error.value)
    assert_refused_by_database(organisation.save)


def test_municipality_organisation_needs_its_municipality():
    organisation = OrganisationFactory.build(kind=OrganisationKind.MUNICIPALITY)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "Ange vilken kommun" in messages(error.value)
