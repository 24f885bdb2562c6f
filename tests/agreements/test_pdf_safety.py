"""User text cannot make the PDF renderer fetch anything: it is printed as text, and the URL
fetcher serves only the registry's own static files."""

import socket
import threading

import pytest
from django.urls import reverse

from agreements import pdf
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.factories import AgreementFactory, CommitmentFactory, PartyFactory

pdf_cache = pdf_support.pdf_cache

pytestmark = pytest.mark.django_db

IMG = '<img src="http://127.0.0.1:9/x">'
LINK = '<link rel="stylesheet" href="file:///etc/passwd">'
SCRIPT = "<script>document.write('inskjutet')</script>"
STATIC = pdf.PDF_BASE_URL + "static/"
STYLESHEET = STATIC + pdf.STYLESHEET
FONTS = {STATIC + f"fonts/{font}" for font in pdf.FONT_FILES}


@pytest.fixture
def fresh_stylesheet(monkeypatch):
    """The renderer parses the stylesheet and registers the fonts once per thread; without
    that cache the test's first render fetches them again, whatever ran before."""
    monkeypatch.setattr(pdf, "_per_thread", threading.local())


@pytest.fixture
def fetches(monkeypatch, fresh_stylesheet):
    """Every URL the renderer asks for, through any fetcher, and every network connection
    anything attempts."""
    asked, connections = [], []
    real_fetch = pdf.StaticFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    def no_network(self, address, *args, **kwargs):
        connections.append(address)
        raise OSError("Inget nätverk i testerna")

    monkeypatch.setattr(pdf.StaticFilesFetcher, "fetch", recording_fetch)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    return asked, connections


def test_html_in_agreement_text_is_printed_as_text_and_fetches_nothing(client, pdf_cache, fetches):
    agreement = AgreementFactory(
        title=f"Överenskommelse {SCRIPT}",
        purpose=f"Syftet står här. {IMG} Och här. {LINK}",
    )
    party = PartyFactory(agreement=agreement, organisation__name=f"Förening {IMG}")
    CommitmentFactory(party=party, heading=f"Rubrik {LINK}", text=f"Åtagande {SCRIPT} {IMG}")

    response = client.get(reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug}))

    assert response.status_code == 200
    asked, connections = fetches
    assert connections == []
    # The stylesheet and its fonts, through the fetcher, and nothing else.
    assert set(asked) == {STYLESHEET} | FONTS
    document = read_pdf(response.content)
    for text in [IMG, LINK, SCRIPT]:
        assert document.contains(text), text
    assert "root:" not in document.text
    assert list(document.reader.attachments) == [f"{agreement.lineage.slug}-version-1.json"]


def test_the_fetcher_refuses_everything_but_static_files_even_in_raw_html(fetches):
    """Defence in depth: were user text ever to reach WeasyPrint unescaped, the fetcher
    would still refuse every outside address."""
    raw = f"""<!doctype html><html lang="sv"><head><title>Rå</title>
    <link rel="stylesheet" href="file:///etc/passwd">
    <link rel="attachment" href="file:///etc/passwd">
    <link rel="stylesheet" href="/static/css/pdf.css">
    <style>@import url("http://127.0.0.1:9/import.css");</style>
    </head><body>
    {IMG}
    <img src="/static/../../etc/passwd">
    <img src="/static/%2e%2e/%2e%2e/registry/settings.py">
    <img src="data:image/svg+xml;base64,PHN2Zy8+">
    <img src="https://example.org/bild.png">
    <p style="background: url('http://127.0.0.1:9/bakgrund')">Text</p>
    <iframe src="http://127.0.0.1:9/ram"></iframe>
    </body></html>"""
    fetcher = pdf.StaticFilesFetcher()
    content = pdf.render_pdf(raw, url_fetcher=fetcher)

    asked, connections = fetches
    assert connections == []
    assert set(fetcher.refused) >= {
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        "http://127.0.0.1:9/import.css",
        "http://127.0.0.1:9/bakgrund",
        "https://samverkansregistret.invalid/etc/passwd",
        "https://samverkansregistret.invalid/static/%2e%2e/%2e%2e/registry/settings.py",
        "https://example.org/bild.png",
    }
    assert any(url.startswith("data:") for url in fetcher.refused)
    # The document's own link to the stylesheet is served; its fonts may already be
    # registered from the renderer's stylesheet, which is fetched through a fetcher of its own.
    assert STYLESHEET in fetcher.served
    assert set(fetcher.served) <= {STYLESHEET} | FONTS
    assert set(asked) == set(fetcher.refused) | {STYLESHEET} | FONTS
    document = read_pdf(content)
    assert "root:" not in document.text
    assert list(document.reader.attachments) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "file:///etc/passwd",
        "file:///work/static/css/pdf.css",
        STATIC + "../registry/settings.py",
        STATIC + "css/../../registry/settings.py",
        STATIC + "%2e%2e/registry/settings.py",
        STATIC + "css/pdf.css?v=1",
        STATIC + "css/pdf.css#x",
        STATIC + "/etc/passwd",
        STATIC + "css\\pdf.css",
        STATIC + "finns/inte.css",
        pdf.PDF_BASE_URL + "media/attachments/2024/avtal.pdf",
        pdf.PDF_BASE_URL + "admin/",
        "https://samverkansregistret.invalid.example.org/static/css/pdf.css",
        "data:text/css,body{}",
    ],
)
def test_fetcher_refuses(url):
    fetcher = pdf.StaticFilesFetcher()
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_the_stylesheet_and_fonts():
    fetcher = pdf.StaticFilesFetcher()
    css = fetcher.fetch(STATIC + "css/pdf.css")
    assert css.content_type == "text/css"
    assert b"@font-face" in css.read()
    font = fetcher.fetch(STATIC + "fonts/SourceSans3-Regular.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    assert fetcher.refused == []
