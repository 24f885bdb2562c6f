import json

import pytest
from django.conf import settings
from django.core.management import call_command

from actors.models import County, Municipality, Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def test_all_counties_and_municipalities_with_scb_codes():
    assert County.objects.count() == 21
    assert Municipality.objects.count() == 290
    norrbotten = County.objects.get(code="25")
    assert (norrbotten.letter_code, norrbotten.name) == ("BD", "Norrbottens län")
    assert County.objects.get(code="01").letter_code == "AB"
    assert Municipality.objects.get(code="2580").name == "Luleå"
    assert Municipality.objects.get(code="0181").name == "Södertälje"


def test_each_municipality_lies_in_the_county_of_its_code():
    for municipality in Municipality.objects.select_related("county"):
        assert municipality.code[:2] == municipality.county.code, municipality


def test_norrbotten_has_its_fourteen_municipalities():
    names = set(Municipality.objects.filter(county__code="25").values_list("name", flat=True))
    assert names == {
        "Arjeplog",
        "Arvidsjaur",
        "Boden",
        "Gällivare",
        "Haparanda",
        "Jokkmokk",
        "Kalix",
        "Kiruna",
        "Luleå",
        "Pajala",
        "Piteå",
        "Älvsbyn",
        "Överkalix",
        "Övertorneå",
    }


def test_every_county_and_municipality_has_a_map_geometry():
    assert not County.objects.filter(geometry__isnull=True).exists()
    assert not Municipality.objects.filter(geometry__isnull=True).exists()
    assert Municipality.objects.get(code="2580").geometry["type"] in {"Polygon", "MultiPolygon"}


def test_every_municipality_county_board_and_region_is_an_organisation():
    municipal = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    assert municipal.count() == 290
    assert set(municipal.values_list("municipality__code", flat=True)) == set(
        Municipality.objects.values_list("code", flat=True)
    )
    assert Organisation.objects.filter(kind=OrganisationKind.COUNTY_BOARD).count() == 21
    assert Organisation.objects.get(slug="lansstyrelsen-i-norrbottens-lan").county.code == "25"
    assert Organisation.objects.get(slug="region-norrbotten").kind == OrganisationKind.REGION


def test_national_organisations_carry_their_history():
    ams = Organisation.objects.get(slug="arbetsmarknadsstyrelsen")
    af = Organisation.objects.get(slug="arbetsformedlingen")
    assert ams.successor == af
    assert str(ams.active_until) == "2007-12-31"
    assert str(af.active_from) == "2008-01-01"
    assert Organisation.objects.get(slug="integrationsverket").active_until.year == 2007
    skl = Organisation.objects.get(slug="sveriges-kommuner-och-landsting")
    assert skl.successor.slug == "sveriges-kommuner-och-regioner"
    assert Organisation.objects.get(slug="svenska-kommunforbundet").successor == skl
    landsting = Organisation.objects.get(slug="norrbottens-lans-landsting")
    assert landsting.successor.slug == "region-norrbotten"
    lan_board = Organisation.objects.get(slug="lansarbetsnamnden-i-norrbottens-lan")
    assert (lan_board.parent, lan_board.successor) == (ams, af)


def test_legal_references_vocabulary():
    from agreements.models import LegalReference

    assert {"2010:197", "2016:1363", "2008:344", "1990:927"} <= set(
        LegalReference.objects.values_list("sfs", flat=True)
    )


def test_committed_fixtures_match_their_generator_inputs():
    """The generated files are committed; their counts are the ones SCB publishes."""
    reference = settings.FIXTURES_DIR / "reference"
    municipalities = json.loads((reference / "municipalities.json").read_text(encoding="utf-8"))
    geometries = json.loads(
        (reference / "municipality-geometries.json").read_text(encoding="utf-8")
    )
    assert len(municipalities) == 290
    assert set(geometries) == {row["code"] for row in municipalities}


def snapshot():
    """Every row the loader writes, so that two loads can be compared exactly. Not the
    catalogue's change marker: it moves whenever the search columns are rewritten, even to
    the same values, and is no registry data."""
    from django.apps import apps

    from agreements.models import CatalogueState

    rows = {}
    for app in ("actors", "agreements", "commitments", "followup"):
        for model in apps.get_app_config(app).get_models():
            if model is CatalogueState:
                continue
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "updated_at"]
            rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
            for m2m in model._meta.many_to_many:
                rows[f"{model._meta.label}.{m2m.name}"] = list(
                    m2m.remote_field.through.objects.order_by("pk").values_list()
                )
    return rows


def test_loading_the_fixtures_twice_changes_nothing():
    before = snapshot()
    call_command("load_registry_data", verbosity=0)
    assert snapshot() == before


def test_update_loading_also_changes_nothing_when_the_files_are_unchanged():
    before = snapshot()
    call_command("load_registry_data", "--update", verbosity=0)
    assert snapshot() == before


def test_loading_leaves_staff_edits_alone():
    from agreements.models import Agreement

    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    agreement.purpose = "Ändrat av handläggare"
    agreement.save()
    call_command("load_registry_data", verbosity=0)
    agreement.refresh_from_db()
    assert agreement.purpose == "Ändrat av handläggare"
