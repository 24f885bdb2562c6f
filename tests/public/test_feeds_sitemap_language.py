"""Atom feed, sitemap.xml, canonical addresses and the language switch."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.factories import AgreementFactory
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_lists_newly_published_agreements_newest_first(client):
    AgreementFactory(title="Nyaste överenskommelsen")
    AgreementFactory(title="Utkastet i flödet", draft=True)
    response = client.get(reverse("agreements:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert titles[0].startswith("Nyaste överenskommelsen")
    assert not any("Utkastet" in title for title in titles)


def test_feed_follows_the_catalogue_filters(client):
    response = client.get(reverse("agreements:feed") + "?county=stockholms-lan&q=Salem")
    feed = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert titles and all("Salem" in title for title in titles)
    assert "Stockholms län" in feed.find(f"{ATOM}title").text


def test_feed_has_an_entry_per_published_version(client):
    first = AgreementFactory(title="Tvåversionsavtalet")
    revision_create(agreement=first)
    feed = ET.fromstring(client.get(reverse("agreements:feed") + "?q=Tvåversionsavtalet").content)
    links = [e.find(f"{ATOM}link").get("href") for e in feed.iter(f"{ATOM}entry")]
    assert links == [
        f"http://testserver/overenskommelser/{first.slug}/version/2/",
        f"http://testserver/overenskommelser/{first.slug}/version/1/",
    ]


def test_sitemap_lists_public_pages_and_no_drafts(client):
    first = AgreementFactory(title="Kartlagd")
    revision_create(agreement=first)
    draft = AgreementFactory(title="Okartlagt utkast", draft=True)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"http://testserver/overenskommelser/{first.slug}/</loc>" in body
    assert f"http://testserver/overenskommelser/{first.slug}/version/1/</loc>" in body
    assert f"http://testserver/en/overenskommelser/{first.slug}/" in body
    assert draft.slug not in body
    assert "http://testserver/lan/norrbottens-lan/</loc>" in body
    assert "http://testserver/kommuner/lulea/</loc>" in body
    assert "http://testserver/teman/sfi/</loc>" in body


def test_swedish_by_default_whatever_the_browser_prefers(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="sv">' in html
    assert "Sök överenskommelser" in html
    assert 'href="/en/"' in html


def test_english_through_the_language_switch(client):
    html = client.get("/en/overenskommelser/?q=samhällsorientering").content.decode()
    assert '<html lang="en">' in html
    assert "Search agreements" in html
    assert "Download the selection:" in html and "The PDFs (ZIP)" in html
    assert "CSV for Swedish Excel (semicolon)" in html
    assert 'href="/overenskommelser/?q=' in html  # back to Swedish, same search
    detail = client.get("/en/overenskommelser/norrbotten-rok/").content.decode()
    assert "Parties" in detail and "from March 2009 to 2009" in detail


def test_admin_stays_swedish(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="sv"' in html
