"""Issue 17's small things: /favicon.ico and /robots.txt, the API docs' language and title,
the report PDFs linked where analysts look, the home page's example search finding something,
and every theme, county and organisation page that the site links to has content or says why
not."""

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def swedish_addresses():
    translation.activate("sv")
    yield
    translation.activate("sv")


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_favicon_and_robots(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".ico")
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots["Content-Type"].startswith("text/plain")
    text = robots.content.decode()
    assert "Disallow: /admin/" in text and "Disallow: /api/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /\n" not in text


def test_api_docs_have_a_language_and_a_plain_title(client):
    for url in ["/api/v1/docs/", "/api/v1/redoc/"]:
        html = _html(client, url)
        assert '<html lang="sv">' in html, url
        assert "fonts.googleapis.com" not in html, url
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["info"]["title"] == "Samverkansregistret API"
    assert schema["info"]["version"] != "1"  # ReDoc showed "Samverkansregistret API (1)"


def test_report_pdfs_are_linked_from_county_national_and_statistics_pages(client):
    assert 'href="/lan/norrbottens-lan/rapport.pdf"' in _html(client, "/lan/norrbottens-lan/")
    assert 'href="/rapport.pdf"' in _html(client, "/lan/")
    statistics = _html(client, "/statistik/?county=norrbottens-lan")
    assert 'href="/lan/norrbottens-lan/rapport.pdf"' in statistics
    assert 'href="/rapport.pdf"' in statistics
    assert 'href="/en/rapport.pdf"' in _html(client, "/en/lan/")


def test_home_page_example_search_and_theme_find_something(client):
    home = _html(client, "/")
    examples = re.findall(r'<span lang="sv">([^<]+)</span>', home.split('id="sok-hjalp"')[1])[:2]
    assert len(examples) == 2 and "samhällsorientering" not in examples
    for example in examples:
        catalogue = _html(client, f"/overenskommelser/?q={example}")
        count = re.search(r"<strong>(\d+) överenskommelse", catalogue)
        assert count and int(count.group(1)) >= 2, example
    theme_url = re.search(r'<a href="(/teman/[^"/]+/)">Teman:', home).group(1)
    assert "Inga " not in _html(client, theme_url).split("</form>")[1][:2000]


def test_every_linked_theme_county_and_organisation_page_has_content_or_says_why(client):
    pages = set()
    for start in ["/teman/", "/lan/", "/overenskommelser/norrbotten-rok/"]:
        pages |= set(
            re.findall(r'href="(/(?:teman|lan|organisationer)/[^"/?]+/)"', _html(client, start))
        )
    assert len(pages) > 30
    for url in sorted(pages):
        main = _html(client, url).split('<main id="innehall"')[1]
        has_content = 'class="agreement-list"' in main or 'class="commitments"' in main
        says_why = re.search(r"<p( class=\"empty\")?>(Inga|Ingen|Organisationen är inte)", main)
        assert has_content or says_why, url
    theme = _html(client, "/teman/samhallsorientering/")
    assert "temat är satt på överenskommelserna som helhet" in theme
