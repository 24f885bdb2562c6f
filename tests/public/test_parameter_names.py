"""One convention for query parameters on the site and in the API (English, as the API
always had them). The old Swedish names are sent on with a permanent redirect to the same
page with the new names and values, and the page then works; pages and forms emit only the
new names."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.revisions import revision_create

pytestmark = pytest.mark.django_db


def redirected(client, url: str) -> tuple[str, dict]:
    response = client.get(url)
    assert response.status_code == 301, url
    target = urlsplit(response["Location"])
    return target.path, parse_qs(target.query)


def test_statistics_old_names_and_values_move_to_the_new(client):
    path, query = redirected(
        client, "/statistik/deltagande/?lan=norrbottens-lan&datum=2009-06-01&ar=2008&urval=alla"
    )
    assert path == "/statistik/deltagande/"
    assert query == {
        "county": ["norrbottens-lan"],
        "date": ["2009-06-01"],
        "year": ["2008"],
        "selection": ["all"],
    }
    response = client.get(path, {k: v[0] for k, v in query.items()})
    assert response.status_code == 200
    assert "Norrbottens län" in response.content.decode()


def test_statistics_csv_semicolon_moves_to_delimiter(client):
    path, query = redirected(
        client, "/statistik/tackning/per-lan.csv?avgransare=semikolon&datum=2009-06-01"
    )
    assert query == {"delimiter": [";"], "date": ["2009-06-01"]}
    response = client.get(path, {k: v[0] for k, v in query.items()})
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[0] == (
        "Län;Kommuner;Med lokal överenskommelse;Andel;Med okänd giltighet"
    )


def test_the_statistics_page_links_only_the_new_names(client):
    html = client.get("/statistik/tackning/", {"county": "25", "date": "2009-06-01"}).content
    html = html.decode()
    for old in ("lan=", "datum=", "avgransare=", "urval=", "ar="):
        assert f"?{old}" not in html and f"&amp;{old}" not in html
    assert "delimiter=%3B" in html
    assert 'name="county"' in html and 'name="date"' in html


def test_county_by_code_or_slug_on_the_statistics_gives_the_same_figures(client):
    by_code = client.get("/statistik/tackning.json", {"county": "25", "date": "2009-06-01"})
    by_slug = client.get(
        "/statistik/tackning.json", {"county": "norrbottens-lan", "date": "2009-06-01"}
    )
    assert by_code.status_code == by_slug.status_code == 200
    assert by_code.json() == by_slug.json()
    unknown = client.get("/statistik/tackning.json", {"county": "norrbotten"})
    assert unknown.status_code == 400
    assert "Det finns inget län som heter ”norrbotten”" in unknown.json()["errors"][0]


def test_report_date_old_name_moves_to_date(client):
    url = reverse("agreements:county_report_pdf", kwargs={"slug": "norrbottens-lan"})
    path, query = redirected(client, f"{url}?datum=nonsens")
    assert query == {"date": ["nonsens"]}
    response = client.get(path, {"date": "nonsens"})
    assert response.status_code == 400
    assert "ÅÅÅÅ-MM-DD" in response.content.decode()


def test_version_compare_from_and_to(client):
    from agreements.models import Agreement

    revision_create(agreement=Agreement.objects.get(lineage__slug="norrbotten-rok"))
    url = reverse("agreements:compare", kwargs={"slug": "norrbotten-rok"})
    path, query = redirected(client, f"{url}?fran=1&till=2")
    assert query == {"from": ["1"], "to": ["2"]}
    response = client.get(path, {"from": "1", "to": "2"})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "agreements:diff", kwargs={"slug": "norrbotten-rok", "old": 1, "new": 2}
    )
    diff = client.get(response["Location"]).content.decode()
    assert 'name="from"' in diff and 'name="to"' in diff and 'name="fran"' not in diff
    page = client.get(reverse("agreements:detail", kwargs={"slug": "norrbotten-rok"}))
    assert page.status_code == 200
    form = page.content.decode()
    assert 'name="from"' in form and 'name="to"' in form and 'name="fran"' not in form


def test_api_old_names_move_too(client):
    path, query = redirected(client, "/api/v1/commitments/export.csv?lan=25&avgransare=semikolon")
    assert path == "/api/v1/commitments/export.csv"
    assert query == {"county": ["25"], "delimiter": [";"]}


def test_the_theme_page_names_a_county_by_code_or_slug(client):
    url = reverse("commitments:theme", kwargs={"slug": "sfi"})
    by_code = client.get(url, {"county": "25"})
    by_slug = client.get(url, {"county": "norrbottens-lan"})
    assert by_code.status_code == by_slug.status_code == 200
    assert by_code.context["page"].paginator.count == by_slug.context["page"].paginator.count
    unknown = client.get(url, {"county": "lappland"})
    assert unknown.status_code == 400
    assert "Det finns inget län som heter ”lappland”" in unknown.content.decode()


def test_the_feed_refuses_an_unknown_county_and_takes_a_code(client):
    url = reverse("agreements:feed")
    response = client.get(url, {"county": "atlantis"})
    assert response.status_code == 400
    assert "Det finns inget län som heter ”atlantis”" in response.content.decode()
    by_code = client.get(url, {"county": "01"}).content.decode()
    by_slug = client.get(url, {"county": "stockholms-lan"}).content.decode()
    assert by_code.count("<entry>") == by_slug.count("<entry>") > 0


def test_the_statistics_form_shows_a_county_named_by_its_code(client):
    html = client.get("/statistik/tackning/", {"county": "25"}).content.decode()
    assert '<option value="norrbottens-lan" selected>' in html


def test_the_schema_names_the_old_parameters_and_their_new_names(client):
    description = client.get("/api/v1/schema/", {"format": "json"}).json()["info"]["description"]
    assert "`avgransare` (`semikolon`)" in description
    assert "`delimiter` (`;`)" in description


def test_the_english_catalogue_links_to_the_english_exports(client):
    html = client.get("/en/overenskommelser/", {"county": "25"}).content.decode()
    assert "/en/api/v1/agreements/export.xlsx?county=25" in html
    swedish = client.get("/overenskommelser/", {"county": "25"}).content.decode()
    assert 'href="/api/v1/agreements/export.xlsx?county=25"' in swedish
