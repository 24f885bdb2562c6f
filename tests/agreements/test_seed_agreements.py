"""The example agreements are entered faithfully from the documents named in their source."""

import pytest
from django.db.models import Count, Sum

from agreements.models import Agreement, Kind, Level, PartyRole
from followup.models import ReceptionFigure

pytestmark = pytest.mark.django_db


@pytest.fixture
def norrbotten_rok():
    return Agreement.objects.get(lineage__slug="norrbotten-rok")


def test_norrbotten_has_ten_signatory_parties_with_their_signatories(norrbotten_rok):
    parties = {
        p.organisation.name: p for p in norrbotten_rok.parties.select_related("organisation")
    }
    assert len(parties) == 10
    assert all(p.role == PartyRole.SIGNATORY for p in parties.values())
    assert parties["Länsstyrelsen i Norrbottens län"].signatory_name == "Per-Ola Eriksson"
    assert parties["Länsstyrelsen i Norrbottens län"].is_convener
    assert parties["Migrationsverket"].signatory_name == "Caroline Henjered"
    assert parties["Arbetsförmedlingen"].signatory_name == "Lena Fernberg"
    assert [p.organisation.name for p in parties.values() if p.is_convener] == [
        "Länsstyrelsen i Norrbottens län"
    ]
    assert norrbotten_rok.level == Level.REGIONAL
    assert norrbotten_rok.county.code == "25"
    assert norrbotten_rok.version_label == "Reviderad mars 2009"
    assert norrbotten_rok.parent.lineage.slug == "cok"


def test_norrbotten_every_party_has_commitments(norrbotten_rok):
    counts = norrbotten_rok.parties.annotate(n=Count("commitments")).values_list("n", flat=True)
    assert all(counts)
    texts = list(norrbotten_rok.commitments.values_list("text", flat=True))
    assert any("Vara sammankallande för parterna" in text for text in texts)
    assert any("kostnadsfri hälsoundersökning" in text for text in texts)
    assert norrbotten_rok.goals.count() >= 2


def test_norrbotten_contacts_are_not_public(norrbotten_rok):
    contacts = norrbotten_rok.contacts.all()
    assert contacts.count() == 12
    assert not contacts.filter(is_public=True).exists()


@pytest.mark.parametrize(
    ("year", "municipalities", "agreed", "assigned"),
    [(2007, 13, 595, 220), (2008, 14, 610, 235), (2009, 14, 610, 235)],
)
def test_norrbotten_reception_figures_reproduce_the_printed_totals(
    norrbotten_rok, year, municipalities, agreed, assigned
):
    figures = ReceptionFigure.objects.filter(source_agreement=norrbotten_rok, year=year)
    totals = figures.aggregate(agreed=Sum("agreed_number"), assigned=Sum("assigned_number"))
    assert figures.count() == municipalities
    assert (totals["agreed"], totals["assigned"]) == (agreed, assigned)
    # The printed table repeats Övertorneå; one of those rows is Överkalix.
    names = set(figures.values_list("municipality__name", flat=True))
    assert {"Övertorneå", "Överkalix"} <= names


def test_central_agreement_2006_has_its_six_parties_and_their_commitments():
    cok = Agreement.objects.get(lineage__slug="cok")
    assert cok.level == Level.CENTRAL and cok.county is None
    parties = set(cok.parties.values_list("organisation__slug", flat=True))
    assert parties == {
        "arbetsmarknadsstyrelsen",
        "integrationsverket",
        "migrationsverket",
        "myndigheten-for-skolutveckling",
        "skolverket",
        "sveriges-kommuner-och-landsting",
    }
    for party in cok.parties.all():
        assert party.commitments.exists(), party
    assert cok.parties.get(organisation__slug="arbetsmarknadsstyrelsen").signatory_name == (
        "Bo Bylund"
    )
    headings = set(cok.commitments.values_list("heading", flat=True))
    assert "Utveckling av jämställdhetsperspektivet" in headings


def test_stockholm_local_agreements_and_lidingos_annex():
    local = Agreement.objects.filter(level=Level.LOCAL, county__code="01")
    municipalities = set(local.values_list("municipalities__name", flat=True))
    assert {
        "Södertälje",
        "Salem",
        "Upplands-Bro",
        "Sundbyberg",
        "Stockholm",
        "Täby",
        "Lidingö",
    } <= municipalities
    annex = Agreement.objects.get(lineage__slug="lidingo-hangavtal")
    assert annex.kind == Kind.ANNEX
    assert annex.annex_to.lineage.slug == "stockholm-lok"
    good = set(local.filter(is_good_example=True).values_list("lineage__slug", flat=True))
    assert {"sodertalje-lok", "upplands-bro-lok", "taby-lok", "lidingo-hangavtal"} <= good
    for agreement in local:
        assert agreement.parties.filter(organisation__slug="arbetsformedlingen").exists() or (
            agreement.kind == Kind.INTERNAL
        ), agreement
