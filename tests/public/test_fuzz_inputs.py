"""Hostile input from anonymous visitors never gives a 500: every public address of the URL
conf (one sample each), with odd values in each of its path segments and in each query
parameter it reads: NUL, -1, 10^30, 3 KB of words, 500 "or", unicode oddities, very long
strings, SQL- and HTML-like strings. Each refusal is in Swedish (the page's language is Swedish,
the API's message has no English), and deep JSON to the write API is a 400 too.

The values are spread over the parameters deterministically (each parameter meets a few of
them, every value meets many parameters), so that the test keeps to some twenty seconds."""

import json
import re
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.urls import resolve

from actors.forms import CountingForm
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement
from followup.forms import StatisticsForm
from tests.routes import route_names

pytestmark = pytest.mark.django_db

THOUSAND_WORDS = " ".join(f"ord{n}" for n in range(1000))  # some 3 KB
OR_CHAIN = " or ".join(f"ord{n}" for n in range(500))
HOSTILE = [
    "a\x00b",
    "-1",
    "0",
    "1" + "0" * 30,
    THOUSAND_WORDS,
    OR_CHAIN,
    "\u202e\ufeffe\u0301\U0001f600\u200b\u0000",
    "x" * 20_000,
    "' OR 1=1; DROP TABLE agreements_agreement; --",
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
    "%zz%",
    "../../etc/passwd",
    "1.5e400",
    "2026-02-30",
    "",
    '"' * 300,
    "-" * 300,
    "(((((((((( ))))))))))" * 50,
]
# One address per public route; {braces} mark the segments that are read as values.
SAMPLES = {
    "agreements:home": "/",
    "agreements:catalogue": "/overenskommelser/",
    "agreements:feed": "/overenskommelser/flode.atom",
    "agreements:detail": "/overenskommelser/{norrbotten-rok}/",
    "agreements:attachment": "/overenskommelser/{norrbotten-rok}/bilagor/{1}/",
    "agreements:version": "/overenskommelser/{norrbotten-rok}/version/{1}/",
    "agreements:compare": "/overenskommelser/{norrbotten-rok}/jamfor/",
    "agreements:diff": "/overenskommelser/{norrbotten-rok}/jamfor/{1}/{1}/",
    "agreements:pdf": "/overenskommelser/{norrbotten-rok}/pdf/",
    "agreements:version_pdf": "/overenskommelser/{norrbotten-rok}/version/{1}/pdf/",
    "agreements:pdf_zip": "/overenskommelser/pdf.zip",
    "agreements:pdf_zip_job": "/zip-filer/",
    "agreements:pdf_zip_file": "/zip-filer/overenskommelser.zip",
    "agreements:county_report_pdf": "/lan/{norrbottens-lan}/rapport.pdf",
    "agreements:national_report_pdf": "/rapport.pdf",
    "actors:national": "/lan/",
    "actors:county": "/lan/{norrbottens-lan}/",
    "actors:municipality": "/kommuner/{lulea}/",
    "actors:organisation": "/organisationer/{lansstyrelsen-i-norrbottens-lan}/",
    "commitments:theme_list": "/teman/",
    "commitments:theme": "/teman/{samhallsorientering}/",
    "statistics:index": "/statistik/",
    "statistics:section": "/statistik/{deltagande}/",
    "statistics:json": "/statistik/{deltagande}.json",
    "statistics:csv": "/statistik/{deltagande}/{TABLE}.csv",
    "robots_txt": "/robots.txt",
    "favicon": "/favicon.ico",
    "django.contrib.sitemaps.views.sitemap": "/sitemap.xml",
    "api:api-root": "/api/v1/",
    "api:schema": "/api/v1/schema/",
    "api:docs": "/api/v1/docs/",
    "api:redoc": "/api/v1/redoc/",
    "api:agreement-list": "/api/v1/agreements/",
    "api:agreement-detail": "/api/v1/agreements/{AGREEMENT}/",
    "api:agreements-export": "/api/v1/agreements/export.{csv}",
    "api:party-list": "/api/v1/parties/",
    "api:party-detail": "/api/v1/parties/{PARTY}/",
    "api:parties-export": "/api/v1/parties/export.{xlsx}",
    "api:commitment-list": "/api/v1/commitments/",
    "api:commitment-detail": "/api/v1/commitments/{COMMITMENT}/",
    "api:commitments-export": "/api/v1/commitments/export.{json}",
    "api:followup-list": "/api/v1/followups/",
    "api:followup-detail": "/api/v1/followups/{1}/",
    "api:followups-export": "/api/v1/followups/export.{csv}",
    "api:receptionfigure-list": "/api/v1/reception-figures/",
    "api:receptionfigure-detail": "/api/v1/reception-figures/{1}/",
    "api:organisation-list": "/api/v1/organisations/",
    "api:organisation-detail": "/api/v1/organisations/{arbetsformedlingen}/",
    "api:county-list": "/api/v1/counties/",
    "api:county-detail": "/api/v1/counties/{25}/",
    "api:municipality-list": "/api/v1/municipalities/",
    "api:municipality-detail": "/api/v1/municipalities/{2580}/",
}
# Parameters the HTML pages read (the API's are read from each viewset's FilterSet).
CATALOGUE = [*AgreementFilterSet.base_filters, "page"]
PAGE_PARAMETERS = {
    "agreements:catalogue": CATALOGUE,
    "agreements:feed": CATALOGUE,
    "agreements:pdf_zip": CATALOGUE,
    "agreements:pdf_zip_job": CATALOGUE,
    "agreements:pdf_zip_file": CATALOGUE,
    "agreements:compare": ["from", "to", "fran", "till"],  # the old names are sent on (301)
    "agreements:county_report_pdf": list(CountingForm.base_fields),
    "agreements:national_report_pdf": list(CountingForm.base_fields),
    "actors:county": list(CountingForm.base_fields),
    "actors:national": list(CountingForm.base_fields),
    "actors:organisation": ["page"],
    "commitments:theme": ["county", "organisation", "page"],
    "statistics:index": list(StatisticsForm.base_fields),
    "statistics:section": list(StatisticsForm.base_fields),
    "statistics:json": list(StatisticsForm.base_fields),
    "statistics:csv": [*StatisticsForm.base_fields, "delimiter"],
}
# Every address also meets these, which most of them ignore.
COMMON_PARAMETERS = ["page", "format", "q"]
VALUES_PER_PARAMETER = 3
# Words that give away Django's or REST framework's English defaults.
ENGLISH = re.compile(
    r"Not Found|Bad Request|Server Error|No \w+ matches|matches the given query|"
    r"JSON parse error|This field|Enter a valid|Select a valid|is not a valid|Invalid|"
    r"Ensure this value|not found",
)


def test_every_public_route_has_a_sample():
    names = set(route_names())
    public = {name for name in names if not name.startswith("admin:")}
    assert public - set(SAMPLES) == set()
    assert set(SAMPLES) - public == set()


@pytest.fixture
def samples(client):
    client.raise_request_exception = False  # a 500 is counted, not raised
    norrbotten = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    party = norrbotten.parties.first()
    page = client.get("/statistik/deltagande/").content.decode()
    table = re.search(r'href="/statistik/deltagande/([\w-]+)\.csv', page).group(1)
    values = {
        "AGREEMENT": str(norrbotten.pk),
        "PARTY": str(party.pk),
        "COMMITMENT": str(norrbotten.commitments.first().pk),
        "TABLE": table,
    }
    return {
        name: re.sub(r"\{([^}]*)\}", lambda m: "{" + values.get(m[1], m[1]) + "}", template)
        for name, template in SAMPLES.items()
    }


def plain(template: str) -> str:
    return re.sub(r"\{([^}]*)\}", r"\1", template)


def parameters_read(name: str, path: str) -> list[str]:
    """The query parameters the address reads: an API list's FilterSet, a page's form."""
    if name.startswith("api:"):
        view = resolve(path).func
        filterset = getattr(getattr(view, "cls", None), "filterset_class", None)
        if filterset is None or name.endswith("-detail"):
            return []
        return [*filterset.base_filters, "ordering", "delimiter", "versions", "page_size"]
    return PAGE_PARAMETERS.get(name, [])


def get(client, url: str):
    """In a savepoint of its own: a database error in one request would otherwise abort the
    test's transaction and fail every request after it."""
    with transaction.atomic():
        return client.get(url)


def check(response, url: str, problems: list):
    where = f"{response.status_code} {url[:150]}"
    if response.status_code >= 500:
        problems.append(where)
        return
    if response.status_code < 400:
        return
    body = response.content.decode("utf-8", "replace")
    content_type = response.get("Content-Type", "")
    if "html" in content_type and not url.startswith("/en/") and 'lang="sv"' not in body:
        problems.append(f"{where}: inte svenska")
    elif ENGLISH.search(body):
        problems.append(f"{where}: engelska: {ENGLISH.search(body)[0]}")


def test_hostile_values_in_path_segments(client, samples):
    problems = []
    for template in samples.values():
        for match in re.finditer(r"\{[^}]*\}", template):
            for value in HOSTILE:
                if not value:
                    continue
                path = plain(template[: match.start()] + quote(value) + template[match.end() :])
                check(get(client, path), path, problems)
    assert problems == []


def test_hostile_values_in_query_parameters(client, samples):
    """Every parameter an address reads meets a few values (the search and the comparison's
    versions every value); the parameters it ignores one value each."""
    problems = []
    turn = 0
    for name, template in samples.items():
        path = plain(template)
        read = parameters_read(name, path)
        for parameter in dict.fromkeys([*read, *COMMON_PARAMETERS]):
            if parameter in read and (parameter == "q" or name == "agreements:compare"):
                chosen = HOSTILE
            else:
                count = VALUES_PER_PARAMETER if parameter in read else 1
                chosen = [HOSTILE[(turn + n) % len(HOSTILE)] for n in range(count)]
                turn += count
            for value in chosen:
                url = f"{path}?{urlencode({parameter: value})}"
                check(get(client, url), url, problems)
    assert problems == []


def test_the_comparison_refuses_a_version_that_does_not_exist(client):
    for query in ("from=-1&to=2", "from=1&to=" + "9" * 30, "from=0&to=1"):
        response = client.get(f"/overenskommelser/norrbotten-rok/jamfor/?{query}")
        assert response.status_code == 400
        text = response.content.decode()
        assert "Det finns ingen sådan version att jämföra." in text
        assert 'lang="sv"' in text
    response = client.get("/overenskommelser/finns-inte/jamfor/?from=1&to=1")
    assert response.status_code == 404
    response = client.get("/overenskommelser/norrbotten-rok/jamfor/?from=1&to=1")
    assert response.status_code == 302


def test_a_nul_character_anywhere_in_the_address_is_a_swedish_400(client):
    page = client.get("/organisationer/ab%00c/")
    assert page.status_code == 400
    assert "Adressen innehåller ett otillåtet tecken (NUL)." in page.content.decode()
    api = client.get("/api/v1/organisations/ab%00c/")
    assert api.status_code == 400
    assert api.json() == {"detail": "Adressen innehåller ett otillåtet tecken (NUL)."}
    assert client.get("/overenskommelser/?county=lulea%00").status_code == 400
    parameter = client.get("/api/v1/agreements/?county=lulea%00&q=a")
    assert parameter.status_code == 400
    assert parameter.json() == {"county": ["Värdet innehåller ett otillåtet tecken (NUL)."]}


def test_error_pages_are_in_the_visitors_language(client):
    swedish = client.get("/organisationer/finns-inte/")
    assert swedish.status_code == 404
    assert "Sidan finns inte" in swedish.content.decode()
    english = client.get("/en/organisationer/finns-inte/")
    assert english.status_code == 404
    assert "Page not found" in english.content.decode()
    api = client.get("/api/v1/organisations/finns-inte/")
    assert api.status_code == 404
    assert api.json() == {"detail": "Hittades inte."}


def deep(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("body", [deep(3000), "[" * 3000 + "]" * 3000, deep(40), "[1,", "\ud800"])
def test_deep_or_broken_json_to_the_write_api_is_a_swedish_400(client, national_editor, body):
    client.force_login(national_editor)
    norrbotten = Agreement.objects.get(lineage__slug="norrbotten-rok", version_number=1)
    for method, url in [
        (client.post, "/api/v1/agreements/"),
        (client.put, f"/api/v1/agreements/{norrbotten.pk}/"),
        (client.patch, f"/api/v1/agreements/{norrbotten.pk}/"),
    ]:
        response = method(
            url,
            body.encode("utf-8", "surrogatepass"),
            content_type="application/json",
            headers={"If-Match": "*"},
        )
        assert response.status_code == 400, (url, response.content[:200])
        detail = response.json()["detail"]
        assert detail.startswith(("JSON-datat är för djupt", "Innehållet är inte giltig")), detail


def test_a_document_as_deep_as_an_agreement_is_read(client, national_editor):
    client.force_login(national_editor)
    response = client.post(
        "/api/v1/agreements/",
        json.dumps({"title": "", "commitments": [{"responsible_contact": {"name": "A"}}]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "detail" not in response.json()  # field errors: the body was read
