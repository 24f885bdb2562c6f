"""Organisations and contact people are shared by every agreement that names them: county
staff change those of their county, national editors the national ones (state agencies,
organisations without a county), and only they show a person's personal data to the public."""

import pytest
from django.urls import reverse

from actors.models import ContactPerson, County, Organisation
from tests.agreements.helpers import form_data

pytestmark = pytest.mark.django_db

NORRBOTTEN_BOARD = "lansstyrelsen-i-norrbottens-lan"


def _change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def _delete_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])


def _page_as_posted(client, user, obj) -> dict:
    """The change page's form as a browser would post it back, read by `user`."""
    client.force_login(user)
    response = client.get(_change_url(obj))
    assert response.status_code == 200
    return form_data(response)


@pytest.fixture
def norrbotten_board():
    return Organisation.objects.get(slug=NORRBOTTEN_BOARD)


@pytest.fixture
def norrbotten_contact(norrbotten_board):
    return ContactPerson.objects.create(
        organisation=norrbotten_board, name="Doris Handläggare", email="doris@example.se"
    )


def test_county_staff_cannot_rename_another_countys_organisation(
    client, norrbotten_board, stockholm_staff, national_editor
):
    data = _page_as_posted(client, national_editor, norrbotten_board)
    data["name"] = "Länsstyrelsen i Stockholms län, filial"

    client.force_login(stockholm_staff)
    page = client.get(_change_url(norrbotten_board))
    response = client.post(_change_url(norrbotten_board), data)

    assert page.status_code == 200  # read-only: they choose parties among all organisations
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert client.post(_delete_url(norrbotten_board), {"post": "yes"}).status_code == 403
    norrbotten_board.refresh_from_db()
    assert norrbotten_board.name == "Länsstyrelsen i Norrbottens län"


def test_county_staff_and_national_editors_change_their_own(
    client, norrbotten_board, norrbotten_staff, national_editor
):
    for user, name in [(norrbotten_staff, "Länsstyrelsen Norrbotten"), (national_editor, "LST BD")]:
        data = _page_as_posted(client, user, norrbotten_board)
        data["name"] = name
        response = client.post(_change_url(norrbotten_board), data)
        assert response.status_code == 302, response.context["errors"]
        norrbotten_board.refresh_from_db()
        assert norrbotten_board.name == name


def test_national_organisations_are_changed_only_by_national_editors(
    client, norrbotten_staff, national_editor
):
    agency = Organisation.objects.get(slug="arbetsformedlingen")
    data = _page_as_posted(client, national_editor, agency)
    data["abbreviation"] = "AF"

    client.force_login(norrbotten_staff)
    assert client.post(_change_url(agency), data).status_code == 403
    agency.refresh_from_db()
    assert agency.abbreviation != "AF"

    client.force_login(national_editor)
    assert client.post(_change_url(agency), data).status_code == 302
    agency.refresh_from_db()
    assert agency.abbreviation == "AF"


def test_staff_cannot_move_an_organisation_out_of_their_county_or_create_one_elsewhere(
    client, norrbotten_staff, stockholm
):
    kiruna = Organisation.objects.get(slug="kiruna-kommun")
    own = Organisation.objects.create(
        name="Föreningen Norrsken",
        slug="foreningen-norrsken",
        kind="civil_society",
        county=County.objects.get(code="25"),
    )
    data = _page_as_posted(client, norrbotten_staff, own)
    data["county"] = str(stockholm.pk)
    moved = client.post(_change_url(own), data)

    created = client.post(
        reverse("admin:actors_organisation_add"),
        {
            "name": "Föreningen Söder",
            "slug": "foreningen-soder",
            "kind": "civil_society",
            "county": str(stockholm.pk),
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert moved.status_code == created.status_code == 200
    assert "Du får bara ändra organisationer i ditt eget län." in moved.content.decode()
    assert "Du får bara ändra organisationer i ditt eget län." in created.content.decode()
    own.refresh_from_db()
    assert own.county.code == "25"
    assert not Organisation.objects.filter(slug="foreningen-soder").exists()
    assert kiruna.county.code == "25"


def test_only_the_countys_staff_make_a_contact_person_public(
    client, norrbotten_contact, stockholm_staff, norrbotten_staff, national_editor
):
    data = _page_as_posted(client, national_editor, norrbotten_contact)
    data["is_public"] = "on"

    client.force_login(stockholm_staff)
    refused = client.post(_change_url(norrbotten_contact), data)
    deleted = client.post(_delete_url(norrbotten_contact), {"post": "yes"})

    assert refused.status_code == deleted.status_code == 403
    norrbotten_contact.refresh_from_db()
    assert not norrbotten_contact.is_public

    for user in (norrbotten_staff, national_editor):
        norrbotten_contact.is_public = False
        norrbotten_contact.save()
        client.force_login(user)
        assert client.post(_change_url(norrbotten_contact), data).status_code == 302
        norrbotten_contact.refresh_from_db()
        assert norrbotten_contact.is_public


def test_another_countys_contact_person_is_added_only_as_not_public(
    client, norrbotten_board, stockholm_staff
):
    client.force_login(stockholm_staff)
    url = reverse("admin:actors_contactperson_add")
    person = {"organisation": str(norrbotten_board.pk), "email": "ny@example.se"}

    public = client.post(url, person | {"is_public": "on"})
    not_public = client.post(url, person | {"email": "annan@example.se"})

    assert public.status_code == 200
    assert "Bara handläggare i organisationens län" in public.content.decode()
    assert not ContactPerson.objects.filter(email="ny@example.se").exists()
    assert not_public.status_code == 302
    assert not ContactPerson.objects.get(email="annan@example.se").is_public


def test_the_organisations_page_keeps_its_contacts_public_flag_to_the_county(
    client, norrbotten_board, norrbotten_contact, stockholm_staff, norrbotten_staff
):
    """The contact people inline on the organisation's page follows the organisation."""
    data = _page_as_posted(client, norrbotten_staff, norrbotten_board)
    index = next(
        i
        for i in range(int(data["contacts-TOTAL_FORMS"]))
        if data[f"contacts-{i}-id"] == str(norrbotten_contact.pk)
    )
    data[f"contacts-{index}-is_public"] = "on"

    client.force_login(stockholm_staff)
    assert client.post(_change_url(norrbotten_board), data).status_code == 403
    norrbotten_contact.refresh_from_db()
    assert not norrbotten_contact.is_public

    client.force_login(norrbotten_staff)
    assert client.post(_change_url(norrbotten_board), data).status_code == 302
    norrbotten_contact.refresh_from_db()
    assert norrbotten_contact.is_public


def test_the_delete_action_refuses_another_countys_organisations(
    client, norrbotten, stockholm, stockholm_staff
):
    theirs = Organisation.objects.create(
        name="Föreningen Norrsken",
        slug="foreningen-norrsken",
        kind="civil_society",
        county=norrbotten,
    )
    own = Organisation.objects.create(
        name="Föreningen Söder",
        slug="foreningen-soder",
        kind="civil_society",
        county=stockholm,
    )
    client.force_login(stockholm_staff)
    response = client.post(
        reverse("admin:actors_organisation_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(own.pk), str(theirs.pk)],
            "post": "yes",
        },
    )

    assert response.status_code == 403
    assert Organisation.objects.filter(pk__in=[own.pk, theirs.pk]).count() == 2
