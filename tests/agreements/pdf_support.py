"""Reading the registry's PDFs in tests the way a person or an archive would: text by page
(pypdf), metadata, embedded fonts and attachments."""

import io
import re
from dataclasses import dataclass

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from agreements import pdf
from agreements import pdf_cache as cache_module

BUNDLED_FONTS = {
    "SourceSans3-Regular",
    "SourceSans3-It",
    "SourceSans3-Semibold",
    "SourceSans3-Bold",
}


def squash(text: str) -> str:
    """Text without whitespace: a name broken over two lines still matches."""
    return re.sub(r"\s+", "", text)


@dataclass
class ReadPdf:
    reader: PdfReader
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def contains(self, needle: str) -> bool:
        return squash(needle) in squash(self.text)

    def page_containing(self, needle: str, start: int = 0) -> int | None:
        """1-based number of the first page from `start` whose text contains the needle."""
        for number, page in enumerate(self.pages[start:], start=start + 1):
            if squash(needle) in squash(page):
                return number
        return None


def read_pdf(content: bytes) -> ReadPdf:
    assert content.startswith(b"%PDF-"), content[:100]
    reader = PdfReader(io.BytesIO(content))
    return ReadPdf(reader=reader, pages=[page.extract_text() for page in reader.pages])


def embedded_fonts(reader: PdfReader) -> dict[str, str]:
    """Every font the pages use: its PDF name (subset prefix removed) → the PostScript name
    in the embedded font file. Fails if a font is not embedded."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            base = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{base} is not embedded"
            data = descriptor["/FontFile2"].get_object().get_data()
            fonts[base] = TTFont(io.BytesIO(data))["name"].getDebugName(6)
    return fonts


@pytest.fixture
def pdf_cache(settings):
    """A fresh in-memory PDF cache for the test."""
    settings.CACHES = {
        **settings.CACHES,
        cache_module.PDF_CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pdf-tests",
        },
    }
    cache_module.pdf_cache().clear()
    yield cache_module.pdf_cache()
    cache_module.pdf_cache().clear()


@pytest.fixture
def render_spy(monkeypatch, pdf_cache):
    """Counts real renders; the PDFs are still made."""
    calls = []
    real = pdf.render_pdf

    def spy(html, **kwargs):
        calls.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    return calls


@pytest.fixture
def no_render(monkeypatch, pdf_cache):
    """Skips WeasyPrint where a test is about selection, queries or streaming, not the
    document: each "PDF" is a stub naming its HTML's title."""
    calls = []

    def stub(html, **kwargs):
        calls.append(html)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        return b"%PDF-stub " + title.encode()

    monkeypatch.setattr(pdf, "render_pdf", stub)
    return calls
