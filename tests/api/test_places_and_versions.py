"""One way to name a county, a municipality and an organisation in every list of the API:
by code or by slug, the same rows either way; a value that names nothing is a Swedish 400,
never an empty or unfiltered list. Every list shows the newest version of each agreement
unless `versions=all` asks for all of them."""

import pytest

from agreements.models import Agreement
from tests.followup.dataset import build
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db

LISTS = [
    "agreements",
    "parties",
    "commitments",
    "followups",
    "reception-figures",
    "organisations",
    "municipalities",
]
EXPORTS = ["agreements", "parties", "commitments", "followups"]


def all_ids(api, path: str) -> list:
    """Every row's id (or code, or slug) over all pages."""
    ids, url = [], path
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        ids += [row.get("id") or row.get("code") or row["slug"] for row in rows]
        url = body.get("next") if isinstance(body, dict) else None
    return ids


@pytest.fixture
def jamtland():
    return build()


@pytest.mark.parametrize("endpoint", LISTS)
def test_county_by_code_and_by_slug_gives_the_same_rows(api, jamtland, endpoint):
    by_code = all_ids(api, f"/api/v1/{endpoint}/?county=23&page_size=500")
    by_slug = all_ids(api, f"/api/v1/{endpoint}/?county=jamtlands-lan&page_size=500")
    assert by_code, "Jämtland has rows in every list"
    assert sorted(by_code) == sorted(by_slug)
    # and it filters: Norrbotten's rows are others
    norrbotten = all_ids(api, f"/api/v1/{endpoint}/?county=norrbottens-lan&page_size=500")
    assert not set(by_code) & set(norrbotten)


@pytest.mark.parametrize("endpoint", ["agreements", "parties", "commitments", "reception-figures"])
def test_municipality_by_code_and_by_slug_gives_the_same_rows(api, endpoint):
    by_code = all_ids(api, f"/api/v1/{endpoint}/?municipality=0183&page_size=500")
    by_slug = all_ids(api, f"/api/v1/{endpoint}/?municipality=sundbyberg&page_size=500")
    assert sorted(by_code) == sorted(by_slug)
    if endpoint != "reception-figures":
        assert by_code  # Sundbyberg's agreements, with two commitments


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("county", "atlantis", "Det finns inget län som heter ”atlantis”."),
        ("county", "99", "Det finns inget län som heter ”99”."),
        ("municipality", "xyz", "Det finns ingen kommun som heter ”xyz”."),
        ("municipality", "128", "Det finns ingen kommun som heter ”128”."),
        ("organisation", "okand-myndighet", "Det finns ingen organisation som heter"),
    ],
)
@pytest.mark.parametrize("endpoint", LISTS)
def test_an_unknown_place_or_organisation_is_a_swedish_400(api, endpoint, name, value, message):
    response = api.get(f"/api/v1/{endpoint}/", {name: value})
    filters = api.get("/api/v1/schema/", {"format": "json"}).json()
    parameters = {p["name"] for p in filters["paths"][f"/api/v1/{endpoint}/"]["get"]["parameters"]}
    if name not in parameters:
        return  # organisations and municipalities have no organisation filter
    assert response.status_code == 400
    assert message in " ".join(response.json()[name])


@pytest.mark.parametrize("endpoint", EXPORTS)
def test_exports_refuse_an_unknown_county_too(api, endpoint):
    response = api.get(f"/api/v1/{endpoint}/export.csv?county=norrbotten")
    assert response.status_code == 400
    assert "Det finns inget län som heter ”norrbotten”" in response.json()["county"][0]


def test_commitments_no_longer_ignore_the_municipality(api):
    everything = all_ids(api, "/api/v1/commitments/?page_size=500")
    sundbyberg = all_ids(api, "/api/v1/commitments/?municipality=sundbyberg&page_size=500")
    assert 0 < len(sundbyberg) < len(everything)


def test_organisation_by_slug(api):
    rows = api.get("/api/v1/commitments/?organisation=forsakringskassan&county=25").json()
    assert rows["count"] > 0
    assert {r["organisation"]["slug"] for r in rows["results"]} == {"forsakringskassan"}


@pytest.fixture
def norrbotten_revised():
    """Norrbotten's agreement revised and published: two versions with 51 commitments each."""
    first = Agreement.objects.get(lineage__slug="norrbotten-rok")
    return revision_create(agreement=first, version_label="Reviderad 2010")


@pytest.mark.parametrize(
    ("endpoint", "newest", "every"),
    [("agreements", 1, 2), ("parties", 10, 20), ("commitments", 51, 102)],
)
def test_every_list_shows_the_newest_version_unless_asked_for_all(
    api, norrbotten_revised, endpoint, newest, every
):
    listed = api.get(f"/api/v1/{endpoint}/?county=norrbottens-lan").json()
    assert listed["count"] == newest
    everything = api.get(f"/api/v1/{endpoint}/?county=norrbottens-lan&versions=all").json()
    assert everything["count"] == every
    latest = api.get(f"/api/v1/{endpoint}/?county=norrbottens-lan&versions=latest").json()
    assert latest["count"] == newest
    if endpoint != "agreements":
        versions = {row["agreement"]["version_number"] for row in listed["results"]}
        assert versions == {2}


def test_an_unknown_versions_value_is_refused(api):
    response = api.get("/api/v1/commitments/?versions=alla")
    assert response.status_code == 400
    assert "versions" in response.json()


def test_an_older_versions_commitment_is_still_found_by_its_id(api, norrbotten_revised):
    old = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    commitment = old.commitments.first()
    assert api.get(f"/api/v1/commitments/{commitment.pk}/").status_code == 200


def test_the_schema_documents_the_names_and_versions(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/commitments/"]["get"]["parameters"]
    }
    assert "25 eller norrbottens-lan" in parameters["county"]["description"]
    assert "2580" in parameters["municipality"]["description"]
    assert parameters["versions"]["schema"]["enum"] == ["all", "latest"]
    assert "all ger alla versioner" in parameters["versions"]["description"]
    export = schema["paths"]["/api/v1/commitments/export.{file_format}"]["get"]
    names = {p["name"] for p in export["parameters"]}
    assert {"county", "municipality", "versions", "delimiter"} <= names
