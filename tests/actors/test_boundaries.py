"""Boundaries over time: an agreement is judged by the counties and municipalities of its own
date (Heby moved to Uppsala län in 2007, Knivsta was formed in 2003, Skåne län in 1997), and
statistics count under today's counties unless asked for those of the chosen day."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from actors.boundaries import county_on
from actors.models import County, CountyMembership, Municipality, StaffScope
from actors.services import staff_group_ensure
from agreements.models import Agreement, Level, Publication
from agreements.services import agreement_create, agreement_document_dump
from registry.documents import DocumentError
from tests.agreements.helpers import form_data
from tests.api.conftest import client_with_token
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.django_db

SALA, HEBY, KNIVSTA, UPPSALA = "1981", "0331", "0330", "0380"


def local_document(*, county: str, municipalities: list[str], signed_on: str, title: str):
    return {
        "title": title,
        "level": "local",
        "county": county,
        "municipalities": municipalities,
        "signed_on": signed_on,
        "purpose": "Samverkan kring nyanländas etablering.",
    }


def errors_of(call) -> str:
    with pytest.raises(DocumentError) as error:
        call()
    return str(error.value)


# --------------------------------------------------------------------------------------------
# Reference data


def test_former_counties_are_kept_but_county_objects_are_todays():
    assert County.objects.count() == 21
    former = County.all_objects.exclude(pk__in=County.objects.values("pk"))
    assert sorted(former.values_list("name", flat=True)) == [
        "Göteborgs och Bohus län",
        "Kristianstads län",
        "Malmöhus län",
        "Skaraborgs län",
        "Älvsborgs län",
    ]
    malmohus = County.all_objects.get(slug="malmohus-lan")
    assert (malmohus.code, str(malmohus.valid_until), malmohus.successor.name) == (
        "12",
        "1996-12-31",
        "Skåne län",
    )


def test_every_municipality_has_a_membership_and_heby_moved_in_2007():
    assert not Municipality.objects.filter(memberships=None).exists()
    heby = [
        (m.county.name, m.code, str(m.valid_from), str(m.valid_until))
        for m in CountyMembership.objects.filter(municipality__code=HEBY)
    ]
    assert heby == [
        ("Västmanlands län", "1917", "1995-01-01", "2006-12-31"),
        ("Uppsala län", "0331", "2007-01-01", "None"),
    ]
    knivsta = Municipality.objects.get(code=KNIVSTA)
    assert str(knivsta.valid_from) == "2003-01-01"
    assert [m.name for m in knivsta.formed_from.all()] == ["Uppsala"]


def test_which_county_heby_lay_in_on_a_day():
    heby = Municipality.objects.get(code=HEBY)
    assert county_on(heby, datetime.date(2006, 12, 31)).name == "Västmanlands län"
    assert county_on(heby, datetime.date(2007, 1, 1)).name == "Uppsala län"
    assert county_on(heby, datetime.date(1990, 1, 1)).name == "Västmanlands län"


def test_loading_the_reference_data_twice_changes_nothing():
    def snapshot():
        return (
            list(County.all_objects.values_list("pk", "code", "valid_until", "successor_id")),
            list(CountyMembership.objects.values_list("pk", "county_id", "code", "valid_from")),
            list(Municipality.objects.values_list("pk", "valid_from")),
        )

    before = snapshot()
    call_command("load_registry_data", "--no-examples", verbosity=0)
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# Agreements judged by the boundaries of their own date


def test_sala_and_heby_in_vastmanland_in_2004_is_accepted():
    agreement = agreement_create(
        document=local_document(
            county="19",
            municipalities=[SALA, HEBY],
            signed_on="2004-05-01",
            title="Lokal överenskommelse Sala och Heby",
        )
    )
    assert sorted(agreement.municipalities.values_list("name", flat=True)) == ["Heby", "Sala"]
    assert agreement.county.name == "Västmanlands län"


def test_sala_and_heby_in_vastmanland_in_2008_is_refused_and_nothing_saved():
    message = errors_of(
        lambda: agreement_create(
            document=local_document(
                county="19",
                municipalities=[SALA, HEBY],
                signed_on="2008-03-01",
                title="Lokal överenskommelse Sala och Heby 2008",
            )
        )
    )
    assert (
        "Heby låg i Västmanlands län till 2006-12-31; på överenskommelsens datum 2008-03-01 "
        "låg den i Uppsala län." in message
    )
    assert not Agreement.objects.filter(title__contains="Sala och Heby").exists()


def test_heby_in_uppsala_before_2007_is_refused_with_the_day_it_moved():
    message = errors_of(
        lambda: agreement_create(
            document=local_document(
                county="03",
                municipalities=[HEBY],
                signed_on="2004-05-01",
                title="Lokal överenskommelse Heby 2004",
            )
        )
    )
    assert (
        "Heby låg i Uppsala län från 2007-01-01; på överenskommelsens datum 2004-05-01 låg "
        "den i Västmanlands län." in message
    )


def test_knivsta_did_not_exist_in_2001_but_did_in_2004():
    def knivsta(signed_on):
        return local_document(
            county="03",
            municipalities=[KNIVSTA, UPPSALA],
            signed_on=signed_on,
            title=f"Lokal överenskommelse Knivsta {signed_on[:4]}",
        )

    message = errors_of(lambda: agreement_create(document=knivsta("2001-06-01")))
    assert (
        "Knivsta bildades 2003-01-01 ur Uppsala; på överenskommelsens datum 2001-06-01 fanns "
        "kommunen inte." in message
    )
    assert not Agreement.objects.filter(title__contains="Knivsta").exists()
    assert agreement_create(document=knivsta("2004-06-01")).municipalities.count() == 2


def test_without_a_signing_date_the_start_date_decides():
    document = local_document(
        county="19", municipalities=[HEBY], signed_on=None, title="Heby utan undertecknande"
    )
    document["valid_from"] = "2008-01-01"
    assert "på överenskommelsens datum 2008-01-01" in errors_of(
        lambda: agreement_create(document=document)
    )


def test_a_regional_agreement_of_malmohus_lan_in_1996_is_stored_and_written_back():
    document = {
        "title": "Regional överenskommelse i Malmöhus län",
        "level": "regional",
        "county": "malmohus-lan",
        "signed_on": "1996-03-01",
        "purpose": "Samverkan kring flyktingmottagandet.",
    }
    agreement = agreement_create(document=document)
    assert agreement.county.name == "Malmöhus län"
    assert agreement_document_dump(agreement=agreement)["county"] == "malmohus-lan"


def test_skane_staff_change_a_malmohus_agreement_and_stockholm_staff_do_not(client, stockholm):
    agreement = agreement_create(
        document={
            "title": "Regional överenskommelse i Malmöhus län",
            "level": "regional",
            "county": "malmohus-lan",
            "signed_on": "1996-03-01",
        }
    )
    skane_staff = UserFactory(username="skane", is_staff=True)
    skane_staff.groups.add(staff_group_ensure())
    StaffScope.objects.create(user=skane_staff, county=County.objects.get(slug="skane-lan"))
    stockholm_staff = UserFactory(username="sthlm", is_staff=True)
    stockholm_staff.groups.add(staff_group_ensure())
    StaffScope.objects.create(user=stockholm_staff, county=stockholm)
    change = reverse("admin:agreements_agreement_change", args=[agreement.pk])

    client.force_login(skane_staff)
    response = client.get(change)
    assert response.status_code == 200
    assert "Regional överenskommelse i Malmöhus län" in response.content.decode()

    client.force_login(stockholm_staff)
    response = client.get(change)
    assert response.status_code in (302, 403, 404)
    assert "Regional överenskommelse i Malmöhus län" not in response.content.decode()


def test_a_county_outside_its_time_is_refused():
    skane_1996 = {
        "title": "Regional överenskommelse i Skåne 1996",
        "level": "regional",
        "county": "12",
        "signed_on": "1996-03-01",
        "purpose": "Samverkan.",
    }
    assert (
        "Skåne län bildades 1997-01-01; på överenskommelsens datum 1996-03-01 fanns länet inte. "
        "Då fanns Kristianstads län och Malmöhus län; välj ett av dem."
        in errors_of(lambda: agreement_create(document=skane_1996))
    )
    malmohus_1998 = dict(skane_1996, county="malmohus-lan", signed_on="1998-03-01")
    assert (
        "Malmöhus län upphörde 1996-12-31 och uppgick i Skåne län; på överenskommelsens datum "
        "1998-03-01 fanns länet inte. Välj Skåne län."
        in errors_of(lambda: agreement_create(document=malmohus_1998))
    )


# --------------------------------------------------------------------------------------------
# The same rule through the API and the admin


@pytest.fixture
def national_api(national_editor):
    return client_with_token(national_editor)


def test_the_api_refuses_heby_in_vastmanland_in_2008(national_api):
    document = local_document(
        county="19", municipalities=[SALA, HEBY], signed_on="2008-03-01", title="Sala Heby API"
    )
    response = national_api.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 400
    assert "Heby låg i Västmanlands län till 2006-12-31" in json.dumps(
        response.json(), ensure_ascii=False
    )
    assert not Agreement.objects.filter(title="Sala Heby API").exists()
    document["signed_on"] = "2004-05-01"
    response = national_api.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 201, response.json()


def test_the_api_stores_a_malmohus_agreement_and_reads_it_back(national_api):
    document = {
        "title": "Malmöhus via API",
        "level": "regional",
        "county": "malmohus-lan",
        "signed_on": "1996-03-01",
    }
    response = national_api.post("/api/v1/agreements/", document, format="json")
    assert response.status_code == 201, response.json()
    assert Agreement.objects.get(title="Malmöhus via API").county.slug == "malmohus-lan"


def test_the_admin_form_refuses_heby_in_vastmanland_in_2008(client, national_editor):
    client.force_login(national_editor)
    add_url = reverse("admin:agreements_agreement_add")
    data = {name: value for name, value in form_data(client.get(add_url)).items() if value != ""}
    data.update(
        {
            "title": "Sala och Heby i admin",
            "lineage_slug": "sala-heby-admin",
            "level": Level.LOCAL,
            "kind": "agreement",
            "county": County.objects.get(code="19").pk,
            "municipalities": [Municipality.objects.get(code=code).pk for code in (SALA, HEBY)],
            "signed_on": "2008-03-01",
            "publication": Publication.DRAFT,
        }
    )
    response = client.post(add_url, data)
    assert response.status_code == 200
    assert (
        "Heby låg i Västmanlands län till 2006-12-31; på överenskommelsens datum 2008-03-01 "
        "låg den i Uppsala län." in response.content.decode()
    )
    assert not Agreement.objects.filter(title="Sala och Heby i admin").exists()
    data["signed_on"] = "2004-05-01"
    response = client.post(add_url, data)
    assert response.status_code == 302
    assert Agreement.objects.filter(title="Sala och Heby i admin").exists()


# --------------------------------------------------------------------------------------------
# Statistics: today's counties by default, the day's on request


def per_county(client, section: str, table: str, **params) -> dict:
    response = client.get(f"/statistik/{section}.json", params)
    assert response.status_code == 200
    found = next(t for t in json.loads(response.content)["tables"] if t["key"] == table)
    return {row["county"]: row for row in found["rows"]}


@pytest.fixture
def agreements_of_former_boundaries():
    heby_and_sala = Municipality.objects.filter(code__in=[SALA, HEBY])
    AgreementFactory(
        level=Level.LOCAL,
        county=County.objects.get(code="19"),
        municipalities=list(heby_and_sala),
        signed_on="2004-05-01",
        valid_from="2004-05-01",
        valid_until="2006-12-31",
    )
    AgreementFactory(
        level=Level.REGIONAL,
        county=County.all_objects.get(slug="malmohus-lan"),
        signed_on="1996-03-01",
        valid_from="1996-03-01",
        valid_until="2000-12-31",
    )


def test_coverage_counts_heby_under_uppsala_today_and_vastmanland_then(
    client, agreements_of_former_boundaries
):
    today = per_county(client, "tackning", "per-lan", date="2005-06-01")
    assert (today["Uppsala län"]["municipalities"], today["Uppsala län"]["covered"]) == (8, 1)
    assert (today["Västmanlands län"]["municipalities"], today["Västmanlands län"]["covered"]) == (
        10,
        1,
    )
    then = per_county(client, "tackning", "per-lan", date="2005-06-01", boundaries="then")
    assert (then["Uppsala län"]["municipalities"], then["Uppsala län"]["covered"]) == (7, 0)
    assert (then["Västmanlands län"]["municipalities"], then["Västmanlands län"]["covered"]) == (
        11,
        2,
    )


def test_a_malmohus_agreement_counts_under_skane_today_and_malmohus_then(
    client, agreements_of_former_boundaries
):
    today = per_county(client, "tackning", "regionala", date="1996-06-01")
    assert today["Skåne län"]["has_agreement"] == "Ja"
    assert "Malmöhus län" not in today
    assert len(today) == 21
    then = per_county(client, "tackning", "regionala", date="1996-06-01", boundaries="then")
    assert then["Malmöhus län"]["has_agreement"] == "Ja"
    assert "Skåne län" not in then and "Västra Götalands län" not in then
    assert len(then) == 24  # 21 − Skåne − Västra Götaland + the five former counties


def test_an_unknown_boundaries_choice_gets_a_swedish_message(client):
    response = client.get("/statistik/tackning/", {"boundaries": "igår"})
    assert response.status_code == 400
    assert "Välj dagens län eller länen på den valda dagen." in response.content.decode()


def test_a_malmohus_agreement_page_links_to_skane(client, agreements_of_former_boundaries):
    agreement = Agreement.objects.get(county__slug="malmohus-lan")
    page = client.get(agreement.get_absolute_url())
    assert page.status_code == 200
    assert "Malmöhus län" in page.content.decode()
    response = client.get("/lan/malmohus-lan/")
    assert (response.status_code, response["Location"]) == (302, "/lan/skane-lan/")


def test_followup_share_counts_malmohus_under_skane_unless_asked_for_1996(
    client, agreements_of_former_boundaries
):
    today = per_county(client, "uppfoljning", "andel-uppfoljda", year="1996")
    assert today["Skåne län"]["in_force"] == 1
    assert "Malmöhus län" not in today
    then = per_county(client, "uppfoljning", "andel-uppfoljda", year="1996", boundaries="then")
    assert then["Malmöhus län"]["in_force"] == 1
    assert "Skåne län" not in then


def test_a_malmohus_agreement_is_in_skanes_stock_and_multi_municipality_tables(client):
    """Today's boundaries by default: the county's tables add up to the country's."""
    malmo_and_lund = Municipality.objects.filter(name__in=["Malmö", "Lund"])
    AgreementFactory(
        level=Level.LOCAL,
        county=County.all_objects.get(slug="malmohus-lan"),
        municipalities=list(malmo_and_lund),
        signed_on="1996-05-01",
        valid_from="1996-06-01",
        valid_until="1998-12-31",
    )
    skane = {"county": "skane-lan", "date": "1996-12-31"}

    stock = json.loads(client.get("/statistik/bestand.json", skane).content)
    signed = next(t for t in stock["tables"] if t["key"] == "tecknade")["rows"]
    in_force = next(t for t in stock["tables"] if t["key"] == "gallande")["rows"]
    assert signed[0] == {"year": "1996", "central": 0, "regional": 0, "local": 1, "total": 1}
    assert in_force[0]["year"] == "1996" and in_force[0]["local"] == 1

    multi = per_county(client, "tackning", "flera-kommuner", **skane)
    assert multi["Malmöhus län"]["municipalities"] == "Malmö, Lund"


def test_the_catalogue_and_the_api_find_a_malmohus_agreement_under_skane(
    client, agreements_of_former_boundaries
):
    malmohus = Agreement.objects.get(county__slug="malmohus-lan")
    page = client.get("/overenskommelser/", {"county": "skane-lan"})
    assert page.status_code == 200
    assert malmohus.title in page.content.decode()
    response = client.get("/api/v1/agreements/", {"county": "skane-lan"})
    assert response.status_code == 200
    assert malmohus.title in [row["title"] for row in response.json()["results"]]
    stockholm = client.get("/overenskommelser/", {"county": "stockholms-lan"})
    assert stockholm.status_code == 200
    assert malmohus.title not in stockholm.content.decode()


def test_the_stock_takes_the_boundaries_choice_as_the_other_statistics_do(client):
    AgreementFactory(
        level=Level.LOCAL,
        county=County.all_objects.get(slug="malmohus-lan"),
        municipalities=list(Municipality.objects.filter(name__in=["Malmö", "Lund"])),
        signed_on="1996-05-01",
        valid_from="1996-06-01",
        valid_until="1998-12-31",
    )

    def signed_locally_in_1996(**params) -> int:
        response = client.get("/statistik/bestand.json", {"county": "skane-lan", **params})
        assert response.status_code == 200
        tables = {t["key"]: t for t in json.loads(response.content)["tables"]}
        return next(r for r in tables["tecknade"]["rows"] if r["year"] == "1996")["local"]

    assert signed_locally_in_1996(date="1996-12-31") == 1  # under today's Skåne län
    # Skåne län did not exist on 31 December 1996: the agreement was Malmöhus län's.
    assert signed_locally_in_1996(date="1996-12-31", boundaries="then") == 0
    # By 2000 Malmöhus län was part of Skåne län.
    assert signed_locally_in_1996(date="2000-12-31", boundaries="then") == 1

    page = client.get("/statistik/bestand/", {"boundaries": "then", "date": "1996-12-31"})
    assert page.status_code == 200
    assert '<select name="boundaries"' in page.content.decode()
    assert '<option value="then" selected>' in page.content.decode()
