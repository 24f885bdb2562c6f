"""The read API as anonymous users and staff see it. Drafts never appear anonymously."""

import pytest

from agreements.catalogue_index import catalogue_index
from agreements.models import Agreement
from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory

pytestmark = pytest.mark.django_db

SECRET = "kvastfeningar"


@pytest.fixture
def drafts(norrbotten, stockholm):
    norrbotten_draft = AgreementFactory(county=norrbotten, draft=True, title=f"{SECRET} norr")
    stockholm_draft = AgreementFactory(county=stockholm, draft=True, title=f"{SECRET} syd")
    for draft in (norrbotten_draft, stockholm_draft):
        CommitmentFactory(party=PartyFactory(agreement=draft), text=f"{SECRET} åtagande")
    return {"norrbotten": norrbotten_draft, "stockholm": stockholm_draft}


def all_pages(client, url):
    seen = []
    while url:
        body = client.get(url).json()
        seen.extend(body["results"])
        url = body["next"]
    return seen


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/agreements/",
        "/api/v1/agreements/?versions=all",
        "/api/v1/commitments/",
        "/api/v1/parties/",
        "/api/v1/followups/",
    ],
)
def test_anonymous_lists_never_show_drafts(api, drafts, url):
    response = api.get(url)
    assert response.status_code == 200
    assert SECRET not in str(all_pages(api, url))


def test_anonymous_draft_detail_is_404(api, drafts):
    assert api.get(f"/api/v1/agreements/{drafts['norrbotten'].pk}/").status_code == 404


def test_staff_see_their_own_drafts_only(norrbotten_api, drafts):
    titles = [a["title"] for a in all_pages(norrbotten_api, "/api/v1/agreements/")]
    assert f"{SECRET} norr" in titles
    assert f"{SECRET} syd" not in titles
    assert norrbotten_api.get(f"/api/v1/agreements/{drafts['stockholm'].pk}/").status_code == 404


def test_list_is_a_summary_with_stable_links(api):
    body = api.get("/api/v1/agreements/?county=norrbottens-lan").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["slug"] == "norrbotten-rok"
    assert item["county"]["code"] == "25"
    assert item["url"].endswith(f"/api/v1/agreements/{item['id']}/")
    assert item["html_url"].endswith("/overenskommelser/norrbotten-rok/")
    assert "commitments" not in item


def test_detail_has_sections_parties_goals_commitments_and_versions(api):
    agreement = Agreement.objects.get(lineage__slug="norrbotten-rok")
    body = api.get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert body["version_label"] == "Reviderad mars 2009"
    assert body["purpose"].startswith("Syftet med den regionala överenskommelsen")
    signatories = {p["organisation"]["name"]: p["signatory_name"] for p in body["parties"]}
    assert signatories["Länsstyrelsen i Norrbottens län"] == "Per-Ola Eriksson"
    assert len(body["parties"]) == 10
    assert len(body["goals"]) == 3
    assert any("Vara sammankallande" in c["text"] for c in body["commitments"])
    assert body["parent"]["slug"] == "cok"
    assert [v["version_number"] for v in body["versions"]] == [1]
    organisation = api.get(body["parties"][0]["organisation"]["url"])
    assert organisation.status_code == 200


def test_a_draft_revision_is_not_listed_publicly_but_the_published_version_is(api, norrbotten):
    published = AgreementFactory(county=norrbotten, title="Gällande om isvakar")
    AgreementFactory(
        lineage=published.lineage, version_number=2, draft=True, title=f"{SECRET} revidering"
    )
    titles = [a["title"] for a in all_pages(api, "/api/v1/agreements/?county=norrbottens-lan")]
    assert "Gällande om isvakar" in titles
    detail = api.get(f"/api/v1/agreements/{published.pk}/").json()
    assert [v["version_number"] for v in detail["versions"]] == [1]


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("level=central", {"cok"}),
        (
            "county=stockholms-lan&good_example=true",
            {
                "sodertalje-lok",
                "upplands-bro-lok",
                "taby-lok",
                "lidingo-hangavtal",
                "stockholm-lok",
                "salem-intern",
                "sundbyberg-praktiskt-basar",
            },
        ),
        ("municipality=sodertalje", {"sodertalje-lok"}),
        ("organisation=lulea-tekniska-universitet", {"norrbotten-rok"}),
    ],
)
def test_agreement_filters(api, query, slugs):
    results = all_pages(api, f"/api/v1/agreements/?{query}")
    assert {a["slug"] for a in results} == slugs


def test_commitment_filters(api):
    results = all_pages(api, "/api/v1/commitments/?organisation=forsakringskassan&county=25")
    assert len(results) == 2
    assert all(c["organisation"]["slug"] == "forsakringskassan" for c in results)
    assert all(c["agreement"]["slug"] == "norrbotten-rok" for c in results)
    by_kind = all_pages(api, "/api/v1/commitments/?organisation_kind=faith_community")
    assert len(by_kind) == 11


def test_reference_resources(api):
    counties = api.get("/api/v1/counties/").json()
    assert len(counties) == 21
    norrbotten = api.get("/api/v1/counties/25/").json()
    assert len(norrbotten["municipalities"]) == 14
    assert api.get("/api/v1/municipalities/2580/").json()["county"]["code"] == "25"
    ams = api.get("/api/v1/organisations/arbetsmarknadsstyrelsen/").json()
    assert ams["successor"]["slug"] == "arbetsformedlingen"
    assert ams["active_until"] == "2007-12-31"
    figures = all_pages(api, "/api/v1/reception-figures/?county=25&year=2007")
    assert sum(f["agreed_number"] for f in figures) == 595


def test_pagination_has_a_stable_order(api):
    first = api.get("/api/v1/organisations/?page_size=20").json()
    again = api.get("/api/v1/organisations/?page_size=20").json()
    assert [o["slug"] for o in first["results"]] == [o["slug"] for o in again["results"]]
    second = api.get(first["next"]).json()
    assert not {o["slug"] for o in first["results"]} & {o["slug"] for o in second["results"]}


@pytest.mark.parametrize("extra", [0, 12])
def test_list_and_detail_query_counts_are_fixed(api, django_assert_max_num_queries, extra):
    for _ in range(extra):
        agreement = AgreementFactory()
        CommitmentFactory(party=PartyFactory(agreement=agreement))
    catalogue_index()  # read once after a change, whatever the size: not part of a list's count
    with django_assert_max_num_queries(4):
        api.get("/api/v1/agreements/?page_size=100")
    with django_assert_max_num_queries(4):
        api.get("/api/v1/commitments/?page_size=100")
    with django_assert_max_num_queries(2):
        api.get("/api/v1/parties/?page_size=100")
    detail = Agreement.objects.get(lineage__slug="norrbotten-rok")
    with django_assert_max_num_queries(15):
        api.get(f"/api/v1/agreements/{detail.pk}/")


@pytest.mark.parametrize(
    "query", ["agreement=4.6e%2B16", "agreement=1.5", "year=2006.5", "year=0", "agreement=0"]
)
def test_ids_and_years_must_be_whole_numbers_in_range(api, query):
    response = api.get(f"/api/v1/followups/?{query}")
    assert response.status_code == 400
