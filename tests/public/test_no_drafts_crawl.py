"""Drafts never leak: create drafts full of distinctive words, crawl every public page an
anonymous visitor can reach from the home page, the feeds and the sitemap, and look for them."""

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse
from pypdf import PdfReader

from actors.models import Municipality, Organisation
from agreements.models import Agreement, AgreementSection, Goal, Level
from commitments.models import Commitment, Theme
from followup.models import FollowUp
from tests.factories import AgreementFactory, PartyFactory
from tests.revisions import revision_create

pytestmark = pytest.mark.django_db

SECRET_WORDS = [
    "Zyxkvarn",  # draft title
    "Qwoplundar",  # draft purpose
    "Fnorkelbo",  # draft commitment
    "Blixtzebra",  # draft goal
    "Snurrevippa",  # draft section
    "Grumflexförening",  # organisation party only to the draft
    "Vrakmulle",  # draft revision of a published agreement
    "Pelikanmurre",  # follow-up not yet completed
]
SKIP = ("/admin/", "/static/", "/media/")
# English pages show the same data as the Swedish ones through the same views; a few of each
# kind are fetched (and their links followed), not all of them.
ENGLISH_PER_KIND = 3
# The catalogue and the exports link to thousands of filter combinations that show the same
# rows through the same code; the starting points below name the combinations that would show
# the drafts, and a sample of the others is fetched.
QUERIES_PER_PATH = 15
LINK = re.compile(r'(?:href|src)="([^"#]+)', re.I)


def make_drafts():
    lulea = Municipality.objects.get(code="2580")
    sfi = Theme.objects.get(slug="sfi")
    draft = AgreementFactory(
        draft=True,
        level=Level.LOCAL,
        title="Lokal överenskommelse Zyxkvarn",
        purpose="Qwoplundar ska samverka.",
        municipalities=[lulea],
    )
    draft.themes.add(sfi)
    organisation = Organisation.objects.create(
        name="Grumflexförening", slug="grumflexforening", kind="civil_society"
    )
    party = PartyFactory(agreement=draft, organisation=organisation)
    commitment = Commitment.objects.create(agreement=draft, party=party, text="Fnorkelbo varje år.")
    commitment.themes.add(sfi)
    Goal.objects.create(agreement=draft, text="Blixtzebra för alla.")
    AgreementSection.objects.create(agreement=draft, heading="Övrigt", text="Snurrevippa.")
    published = Agreement.objects.get(lineage__slug="sodertalje-lok")
    revision_create(agreement=published, publish=False, title="Vrakmulle i Södertälje")
    FollowUp.objects.create(
        agreement=Agreement.objects.get(lineage__slug="norrbotten-rok"),
        year=2012,
        summary="Pelikanmurre.",
    )


def local_path(url):
    parts = urlsplit(url)
    if parts.scheme and parts.netloc != "testserver":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith(SKIP):
        return None
    return path


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def response_text(response) -> str:
    """Also the exports the catalogue links to: streamed CSV/JSON, and XLSX (a zip of XML)."""
    raw = response_bytes(response)
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    if content_type.startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return " ".join(
                page.extract_text()
                for name in archive.namelist()
                for page in PdfReader(io.BytesIO(archive.read(name))).pages
            )
    if "spreadsheetml" in content_type:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return " ".join(
                archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
            )
    return raw.decode("utf-8-sig")


def links_in(path, response):
    content_type = response["Content-Type"]
    if response.streaming or not content_type.startswith(
        ("text/", "application/atom", "application/xml")
    ):
        return []
    body = response.content.decode()
    if "xml" in content_type:
        root = ET.fromstring(response.content)
        found = [element.text for element in root.iter() if element.tag.endswith("loc")]
        found += [element.get("href") for element in root.iter() if element.get("href")]
    else:
        found = [link.replace("&amp;", "&") for link in LINK.findall(body)]
    return [p for p in (local_path(urljoin(path, link)) for link in found if link) if p]


def test_no_draft_word_on_any_public_page(client):
    make_drafts()
    starts = [
        "/",
        reverse("agreements:feed"),
        reverse("agreements:feed") + "?municipality=lulea",
        "/sitemap.xml",
        # Facets that would show the drafts' organisation, municipality and theme.
        reverse("agreements:catalogue") + "?municipality=lulea&theme=sfi",
        reverse("agreements:catalogue") + "?county=norrbottens-lan&level=local",
    ]
    queue, seen = deque(starts), set(starts)
    english_kinds: dict[str, int] = {}
    queries_per_path: dict[str, int] = {}
    leaks = []
    while queue:
        path = queue.popleft()
        if path.startswith("/en/"):
            kind = path.split("?")[0].split("/")[2]
            english_kinds[kind] = english_kinds.get(kind, 0) + 1
            if english_kinds[kind] > ENGLISH_PER_KIND:
                continue
        if "?" in path and path not in starts:
            bare = path.split("?")[0]
            queries_per_path[bare] = queries_per_path.get(bare, 0) + 1
            if queries_per_path[bare] > QUERIES_PER_PATH:
                continue
        response = client.get(path)
        assert response.status_code in (200, 301, 302), f"{path}: {response.status_code}"
        if response.status_code != 200:
            target = local_path(response["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        text = response_text(response)
        leaks += [(path, word) for word in SECRET_WORDS if word.lower() in text.lower()]
        for link in links_in(path, response):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert not leaks
    # The crawl did reach the kinds of pages where the drafts would show.
    assert any(p.startswith("/overenskommelser/sodertalje-lok/") for p in seen)
    assert "/kommuner/lulea/" in seen and "/teman/sfi/" in seen and "/lan/" in seen
    assert english_kinds.get("overenskommelser") and english_kinds.get("kommuner")
    assert len(seen) > 300
