"""Every kind of page in English (issue 17): crawl from /en/, one page per address pattern, and
read the text the page itself writes (the agreements' own Swedish text and names are marked
lang="sv" and left out, as are the names of places and organisations). It must contain no
Swedish-only word and say no sentence twice."""

import csv
import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import resolve
from django.utils import translation

from actors.models import County, Municipality, Organisation
from commitments.models import TargetGroup, Theme
from followup.tables import SECTIONS
from tests.followup.dataset import ON, build

pytestmark = pytest.mark.django_db

# Common words that are Swedish and cannot be English.
SWEDISH_ONLY = {
    "och", "för", "att", "inte", "eller", "som", "med", "av", "på", "är", "har", "till",
    "inga", "ingen", "visa", "sök", "gäller", "överenskommelse", "överenskommelser",
    "överenskommelsen", "kommun", "kommuner", "län", "länet", "åtagande", "åtaganden",
    "uppföljning", "uppföljningar", "statistik", "mottagande", "parter", "sida", "nästa",
    "föregående", "innehåll", "ladda", "ner", "alla", "hela", "landet", "summa",
}  # fmt: skip
SKIP = ("/admin/", "/static/", "/media/", "/api/")
NOT_HTML = re.compile(r"\.(pdf|zip|csv|json|xlsx|xml)$|/pdf/$|/feed|/flode", re.I)
LINK = re.compile(r'href="([^"#]+)"')
SENTENCE = re.compile(r"[^.!?]{25,}[.!?]")
WORD = re.compile(r"[^\W\d_]+", re.U)


class PageText(HTMLParser):
    """The page's own text, text node by text node: nothing inside lang="sv", <script>,
    <style> or <head>."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # True where the element hides its text
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        hidden = (
            tag in ("script", "style", "head", "svg")
            or dict(attrs).get("lang", "").startswith("sv")
            or (bool(self.stack) and self.stack[-1])
        )
        self.stack.append(hidden)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.texts.append(" ".join(data.split()))


def _pattern(path: str) -> str:
    with translation.override("en"):  # /en/ addresses resolve only with English active
        match = resolve(urlsplit(path).path)
    return match.route + ("?" if "?" in path else "")


def _names() -> list[str]:
    names = [
        *County.objects.values_list("name", flat=True),
        *Municipality.objects.values_list("name", flat=True),
        *Organisation.objects.values_list("name", flat=True),
        *Theme.objects.values_list("name", flat=True),
        *TargetGroup.objects.values_list("name", flat=True),
    ]
    return sorted(names, key=len, reverse=True)


def _crawl(client, limit=60) -> dict[str, str]:
    """One English page per address pattern (and per query-string or not), reachable from
    /en/."""
    pages, seen_patterns, queue = {}, set(), deque(["/en/"])
    while queue and len(pages) < limit:
        path = queue.popleft()
        try:
            pattern = _pattern(path)
        except Exception:
            continue
        if pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = client.get(path)
        translation.activate("sv")
        assert response.status_code == 200, path
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        pages[path] = html
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            if (
                link.startswith("/en/")
                and not link.startswith(SKIP)
                and not NOT_HTML.search(urlsplit(link).path)
            ):
                queue.append(link)
    return pages


@pytest.fixture(scope="module")
def english_pages(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        pages = _crawl(Client())
        names = _names()
    return pages, names


def test_the_crawl_reaches_every_kind_of_page(english_pages):
    pages, _ = english_pages
    kinds = {_pattern(path) for path in pages}
    routes = ["overenskommelser/<slug:slug>/", "lan/<slug:slug>/", "teman/<slug:slug>/"]
    routes += ["statistik/", "kommuner/<slug:slug>/", "organisationer/<slug:slug>/"]
    for route in routes:
        assert f"en/{route}" in kinds, route


def _swedish_words(pages: dict[str, str], names: list[str]) -> list[str]:
    problems = []
    for path, html in pages.items():
        assert '<html lang="en">' in html, path
        parser = PageText()
        parser.feed(html)
        for text in parser.texts:
            for name in names:
                if name in text:
                    text = text.replace(name, " ")
            swedish = {w for w in WORD.findall(text.lower()) if w in SWEDISH_ONLY}
            if swedish:
                problems.append(f"{path}: {sorted(swedish)} i ”{text[:120]}”")
    return problems


def _sentences_twice(pages: dict[str, str]) -> list[str]:
    problems = []
    for path, html in pages.items():
        parser = PageText()
        parser.feed(html)
        for text in parser.texts:
            sentences = [s.strip() for s in SENTENCE.findall(text)]
            twice = {s for s in sentences if sentences.count(s) > 1}
            if twice:
                problems.append(f"{path}: {twice}")
            half = len(text) // 2
            if len(text) > 30 and text[:half] == text[half:]:
                problems.append(f"{path}: ”{text}” står två gånger")
    return problems


def test_english_pages_have_no_swedish_words(english_pages):
    pages, names = english_pages
    problems = _swedish_words(pages, names)
    assert not problems, "\n".join(problems)


def test_english_pages_say_no_sentence_twice(english_pages):
    pages, _ = english_pages
    problems = _sentences_twice(pages)
    assert not problems, "\n".join(problems)


def test_statistics_have_an_english_address(client):
    response = client.get("/en/statistik/")
    translation.activate("sv")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "only available in Swedish" not in html
    assert 'href="/en/statistik/"' in html  # the English menu stays English
    assert client.get("/statistik/").status_code == 200


class LangSv(HTMLParser):
    """The elements marked lang="sv" inside <main>."""

    def __init__(self):
        super().__init__()
        self.in_main = False
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.in_main = self.in_main or tag == "main"
        if self.in_main and dict(attrs).get("lang", "").startswith("sv"):
            self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False


def _statistics_pages(client) -> dict[str, str]:
    """Every section of the statistics in English, for the whole country and for a county
    (whose tables differ), with the follow-up year of the hand-counted data."""
    pages = {}
    for slug in SECTIONS:
        base = "/en/statistik/" if slug == "oversikt" else f"/en/statistik/{slug}/"
        for query in (f"?date={ON.isoformat()}&year=2025", "?county=jamtlands-lan&year=2025"):
            response = client.get(base + query)
            translation.activate("sv")
            assert response.status_code == 200, base + query
            pages[base + query] = response.content.decode()
    return pages


def test_every_statistics_section_is_in_english(client):
    build()
    pages = _statistics_pages(client)
    problems = _swedish_words(pages, _names()) + _sentences_twice(pages)
    assert not problems, "\n".join(problems)
    for path, html in pages.items():
        parser = LangSv()
        parser.feed(html)
        # Only the agreements' own titles are Swedish: no wrapper hides the statistics.
        assert set(parser.tags) <= {"a"}, (path, parser.tags)
        assert "How it is counted" in html, path


def test_statistics_numbers_and_dates_are_in_english_format(client):
    build()
    html = client.get("/en/statistik/tackning/", {"date": ON.isoformat()}).content.decode()
    translation.activate("sv")
    assert "Showing <strong>all of Sweden</strong> on <strong>1 June 2026</strong>." in html
    assert re.search(r">\d+\.\d%<", html)  # 12.5%, not 12,5 %
    assert "\xa0%" not in html
    swedish = client.get("/statistik/tackning/", {"date": ON.isoformat()}).content.decode()
    assert "Visar <strong>hela landet</strong> den <strong>1 juni 2026</strong>." in swedish
    assert re.search(r">\d+,\d\xa0%<", swedish)


def test_statistics_csv_and_json_have_english_headers_and_labels(client):
    build()
    response = client.get("/en/statistik/tackning/per-lan.csv", {"date": ON.isoformat()})
    translation.activate("sv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == [
        "County",
        "Municipalities",
        "With a local agreement",
        "Share",
        "With unknown validity",
    ]
    assert rows[-1][0] == "All of Sweden"
    assert "Jämtlands län" in [row[0] for row in rows]  # names stay as registered
    response = client.get("/statistik/tackning/per-lan.csv", {"date": ON.isoformat()})
    assert response.content.decode("utf-8").startswith("\ufeffLän,Kommuner,")

    response = client.get("/en/statistik/tackning.json", {"date": ON.isoformat()})
    translation.activate("sv")
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "Coverage"
    assert data["rules"][0] == "Only published agreements count; drafts never do."
    first = data["tables"][0]
    assert first["title"] == "Municipalities with a local agreement, by county"
    assert [c["label"] for c in first["columns"]] == rows[0]
    assert first["total"]["county"] == "All of Sweden"
