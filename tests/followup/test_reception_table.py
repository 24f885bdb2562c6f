"""Reception figures (mottagande) for a whole county and year in one admin form."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode

from actors.models import County, Municipality, StaffScope
from actors.services import staff_group_ensure
from agreements.models import Agreement
from followup import services
from followup.models import FollowUp, ReceptionFigure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TABLE = reverse("admin:followup_receptionfigure_county")


@pytest.fixture
def rok():
    return Agreement.objects.get(lineage__slug="norrbotten-rok")


def table_url(rok, year=2010, **extra):
    return TABLE + "?" + urlencode({"agreement": rok.pk, "year": year, **extra})


def post_data(response, values: dict[int, tuple]) -> dict:
    """Every row as rendered, with `values` (row index → (agreed, assigned)) typed in."""
    formset = response.context["formset"]
    data = {
        formset.management_form[name].html_name: formset.management_form[name].value()
        for name in formset.management_form.fields
    }
    for index, form in enumerate(formset.forms):
        agreed, assigned = values.get(
            index, (form["agreed_number"].value(), form["assigned_number"].value())
        )
        data[form["agreed_number"].html_name] = "" if agreed is None else agreed
        data[form["assigned_number"].html_name] = "" if assigned is None else assigned
    return data


def figures_2010(rok):
    return ReceptionFigure.objects.filter(year=2010, source_agreement=rok)


def test_norrbotten_staff_enter_2010_for_all_14_municipalities_in_one_form(
    client, norrbotten_staff, rok
):
    client.force_login(norrbotten_staff)
    response = client.get(table_url(rok))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mottagande 2010 i Norrbottens län" in page
    rows = response.context["table"].rows
    assert len(rows) == 14
    # Last year's figures beside: 2009 from the agreement, 610 in all.
    assert all(row.last_year is not None for row in rows)
    assert response.context["table"].last_year_totals.agreed_total == 610
    assert ">610<" in page

    values = {index: (10 + index, index) for index in range(14)}
    response = client.post(table_url(rok), post_data(response, values), follow=True)
    assert response.status_code == 200
    assert "Mottagandet 2010 i Norrbottens län är sparat: 14 ändrade" in response.content.decode()
    assert figures_2010(rok).count() == 14
    agreed_total = sum(10 + index for index in range(14))
    assigned_total = sum(range(14))
    assert response.context["table"].this_year_totals.agreed_total == agreed_total
    assert f">{agreed_total}<" in response.content.decode()
    assert f">{assigned_total}<" in response.content.decode()

    # The change is in the agreement's history, under the user's name.
    history = client.get(reverse("admin:agreements_agreement_history", args=[rok.pk]))
    assert "Mottagandet 2010 ändrat." in history.content.decode()

    # The public agreement page shows 2010 in its reception section.
    public = client.get(rok.get_absolute_url())
    assert public.status_code == 200
    assert "Mottagande 2010" in public.content.decode()


def test_clearing_a_row_removes_the_figure(client, norrbotten_staff, rok):
    client.force_login(norrbotten_staff)
    response = client.get(table_url(rok))
    client.post(table_url(rok), post_data(response, {0: (5, 2), 1: (7, None)}))
    assert figures_2010(rok).count() == 2
    response = client.get(table_url(rok))
    assert "tas siffran bort" in response.content.decode()
    client.post(table_url(rok), post_data(response, {0: (None, None)}))
    assert list(figures_2010(rok).values_list("agreed_number", "assigned_number")) == [(7, None)]


@pytest.mark.parametrize(
    "row, message",
    [
        ((-1, None), "Antalet kan inte vara negativt."),
        ((5, 6), "”Varav för anvisning” kan inte vara större än antalet."),
        (("tio", None), "Skriv ett heltal."),
        ((None, 3), "Ange antalet när du anger hur många som anvisas."),
    ],
)
def test_bad_input_gives_swedish_errors_and_saves_nothing(
    client, norrbotten_staff, rok, row, message
):
    client.force_login(norrbotten_staff)
    response = client.get(table_url(rok))
    before = list(ReceptionFigure.objects.values_list("pk", "agreed_number", "assigned_number"))
    response = client.post(table_url(rok), post_data(response, {0: (12, 3), 5: row}))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Inget har sparats." in page
    after = list(ReceptionFigure.objects.values_list("pk", "agreed_number", "assigned_number"))
    assert after == before


def test_stockholm_staff_may_not_open_norrbotten(client, stockholm_staff, rok):
    client.force_login(stockholm_staff)
    assert client.get(table_url(rok)).status_code == 403
    assert client.get(TABLE + "?county=25&year=2010").status_code == 403
    response = client.post(TABLE + "?county=25&year=2010", {})
    assert response.status_code == 403
    own = client.get(TABLE)
    assert own.status_code == 200
    counties = [str(county) for county in own.context["chooser"].fields["county"].queryset]
    assert counties == ["Stockholms län"]


def test_anonymous_is_sent_to_login(client, rok):
    response = client.get(table_url(rok))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_national_editor_may_open_any_county(client, national_editor):
    client.force_login(national_editor)
    assert client.get(TABLE + "?county=norrbottens-lan&year=2010").status_code == 200  # or slug
    assert client.get(TABLE + "?county=atlantis&year=2010").status_code == 404
    response = client.get(TABLE + "?county=01&year=2010")
    assert response.status_code == 200
    assert len(response.context["chooser"].fields["county"].queryset) == 21


@pytest.mark.parametrize("code", ["03", "01"])
def test_query_count_does_not_grow_with_the_county(
    client, national_editor, code, django_assert_max_num_queries
):
    client.force_login(national_editor)
    with django_assert_max_num_queries(10):
        response = client.get(TABLE + f"?county={code}&year=2009")
    assert response.status_code == 200


def test_links_from_the_agreement_the_follow_up_and_the_list(client, norrbotten_staff, rok):
    client.force_login(norrbotten_staff)
    change = client.get(reverse("admin:agreements_agreement_change", args=[rok.pk]))
    assert change.status_code == 200
    assert f"{TABLE}?agreement={rok.pk}" in change.content.decode()
    changelist = client.get(reverse("admin:followup_receptionfigure_changelist"))
    assert changelist.status_code == 200
    assert "Mottagande för ett län och år" in changelist.content.decode()
    followup = FollowUp.objects.filter(agreement=rok).first()
    if followup is None:
        from followup import services

        followup = services.followup_start(agreement=rok, year=2009, user=norrbotten_staff)
    response = client.get(reverse("admin:followup_followup_change", args=[followup.pk]))
    assert response.status_code == 200
    assert f"Mottagande {followup.year} i Norrbottens län" in response.content.decode()


# Boundaries over time: a figure belongs to the county the municipality lay in that year.


def _county_staff(username, code):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(staff_group_ensure())
    StaffScope.objects.create(user=user, county=County.objects.get(code=code))
    return user


def _names(response) -> list[str]:
    return [row.municipality.name for row in response.context["table"].rows]


def test_heby_is_in_vastmanlands_table_for_2005_and_uppsalas_for_2007(client, national_editor):
    client.force_login(national_editor)
    vastmanland_2005 = client.get(TABLE + "?county=19&year=2005")
    uppsala_2005 = client.get(TABLE + "?county=03&year=2005")
    uppsala_2007 = client.get(TABLE + "?county=03&year=2007")
    assert {r.status_code for r in (vastmanland_2005, uppsala_2005, uppsala_2007)} == {200}
    assert "Heby" in _names(vastmanland_2005) and len(_names(vastmanland_2005)) == 11
    assert "Heby" not in _names(uppsala_2005) and len(_names(uppsala_2005)) == 7
    assert "Heby" in _names(uppsala_2007) and len(_names(uppsala_2007)) == 8
    # Knivsta was formed in 2003: no row for 2002.
    assert "Knivsta" not in _names(client.get(TABLE + "?county=03&year=2002"))


def test_a_figure_is_checked_against_the_county_of_its_year(national_editor):
    heby = Municipality.objects.get(code="0331")
    uppsala, vastmanland = County.objects.get(code="03"), County.objects.get(code="19")

    def save(county, year):
        return services.reception_figures_save(
            county=county,
            year=year,
            source=None,
            rows=[{"municipality": heby, "agreed_number": 12, "assigned_number": None}],
            user=national_editor,
        )

    with pytest.raises(ValidationError, match=r"Heby låg inte i Uppsala län 2005\."):
        save(uppsala, 2005)
    with pytest.raises(ValidationError, match=r"Heby låg inte i Västmanlands län 2008\."):
        save(vastmanland, 2008)
    assert not ReceptionFigure.objects.filter(municipality=heby, year__in=[2005, 2008]).exists()
    assert save(vastmanland, 2005) == (1, 0)
    assert save(uppsala, 2008) == (1, 0)


def test_hebys_2005_figure_is_changed_by_vastmanlands_staff_not_uppsalas(client):
    heby = Municipality.objects.get(code="0331")
    figure = ReceptionFigure.objects.create(municipality=heby, year=2005, agreed_number=10)
    url = reverse("admin:followup_receptionfigure_change", args=[figure.pk])
    data = {"municipality": heby.pk, "year": 2005, "agreed_number": 11, "assigned_number": ""}

    client.force_login(_county_staff("uppsala", "03"))
    assert client.post(url, data).status_code == 403
    figure.refresh_from_db()
    assert figure.agreed_number == 10

    client.force_login(_county_staff("vastmanland", "19"))
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert figure.agreed_number == 11
