"""A ZIP of the PDFs of a catalogue selection, streamed while the PDFs are made. It takes the
catalogue's parameters and holds what the catalogue lists for them."""

import io
import re
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from agreements import pdf_views
from agreements.models import Agreement, Level
from commitments.models import Theme
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.factories import AgreementFactory, local_agreement
from tests.revisions import revision_create

pdf_cache = pdf_support.pdf_cache
no_render = pdf_support.no_render

pytestmark = pytest.mark.django_db

ZIP_URL = reverse("agreements:pdf_zip")
CATALOGUE_URL = reverse("agreements:catalogue")


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _names(client, query: str) -> list[str]:
    return _archive(client.get(f"{ZIP_URL}?{query}")).namelist()


def _catalogue(client, query: str, status: int = 200) -> str:
    response = client.get(f"{CATALOGUE_URL}?{query}")
    assert response.status_code == status
    return response.content.decode()


def _listed(html: str) -> list[str]:
    """The agreements on a catalogue page, in its order, as the ZIP names their PDFs. A card
    links to /overenskommelser/<slug>/ and says "version N" from the second version on."""
    cards = re.findall(r'<li class="agreement-card">(.*?)</li>', html, re.S)
    names = []
    for card in cards:
        slug = re.search(r'<h3><a href="/overenskommelser/([^/"]+)/', card).group(1)
        version = re.search(r" · version (\d+)", card)
        names.append(f"{slug}-version-{version.group(1) if version else 1}.pdf")
    return names


def _zip_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]+)">PDF:erna \(ZIP\)</a>', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_zip_of_a_county_holds_real_pdfs_of_its_published_agreements(client, pdf_cache):
    AgreementFactory(title="Utkast om kvastfenor", draft=True)

    response = client.get(ZIP_URL, {"county": "norrbottens-lan"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="overenskommelser-norrbottens-lan.zip"'
    )
    archive = _archive(response)
    assert archive.namelist() == ["norrbotten-rok-version-1.pdf"]
    assert archive.infolist()[0].compress_type == zipfile.ZIP_STORED
    document = read_pdf(archive.read("norrbotten-rok-version-1.pdf"))
    assert document.reader.metadata.title.startswith("Regional överenskommelse om samverkan")
    assert document.contains("Per-Ola Eriksson")


def test_the_archive_renders_each_pdf_only_while_it_streams(client, no_render):
    response = client.get(ZIP_URL, {"county": "stockholms-lan", "level": "local"})

    assert response.status_code == 200
    assert no_render == [], "nothing is rendered before the response is read"
    # No shared cache may keep it: it would outlive an unpublished agreement.
    assert response["Cache-Control"].startswith("private")
    rendered_by_chunk = [len(no_render) for _ in response.streaming_content]
    expected = Agreement.objects.published().filter(county__code="01", level=Level.LOCAL)
    assert expected.count() == 10
    # One PDF after the other while the archive is sent, never all of them up front.
    assert sorted(set(rendered_by_chunk)) == list(range(11))


def test_zip_of_county_and_theme_holds_exactly_what_the_catalogue_lists(client, no_render):
    query = "county=stockholms-lan&theme=samordning"
    listed = _listed(_catalogue(client, query))
    in_stockholm = Agreement.objects.published().filter(county__code="01").count()
    assert 1 < len(listed) < in_stockholm, "the theme narrows the county"

    response = client.get(f"{ZIP_URL}?{query}")

    assert _archive(response).namelist() == listed
    assert response["Content-Disposition"] == (
        'attachment; filename="overenskommelser-stockholms-lan-samordning-och-samverkan.zip"'
    )
    # The parameters in another order name the same file.
    reordered = client.get(f"{ZIP_URL}?theme=samordning&county=stockholms-lan")
    assert reordered["Content-Disposition"] == response["Content-Disposition"]


@pytest.mark.parametrize(
    "query",
    [
        "q=samhällsorientering",
        "q=praktik&sort=newest",
        "q=rök norrbotten",  # the alias, any case
        "level=central",
        "municipality=sodertalje",
        "theme=sfi&theme=boende&level=local&sort=title",
        "good_example=true&county=stockholms-lan",
        "status=in_force&status=expired",
    ],
)
def test_zip_holds_what_the_catalogue_lists_for_the_same_parameters(client, no_render, query):
    listed = _listed(_catalogue(client, query))
    assert listed, "the selection is not empty"
    assert _names(client, query) == listed


def test_search_selection(client, no_render):
    assert _names(client, "q=samhällsorientering&county=stockholms-lan") == [
        "salem-lok-version-1.pdf"
    ]
    assert _names(client, "q=rök norrbotten") == ["norrbotten-rok-version-1.pdf"]


def test_only_the_newest_published_version_of_each_agreement(client, no_render):
    first = local_agreement(municipality_codes=["2580"], title="Luleås överenskommelse")
    AgreementFactory(
        lineage=first.lineage,
        version_number=2,
        level=Level.LOCAL,
        title="Luleås överenskommelse",
        municipalities=list(first.municipalities.all()),
    )
    AgreementFactory(
        lineage=first.lineage,
        version_number=3,
        level=Level.LOCAL,
        title="Luleås överenskommelse",
        draft=True,
    )
    assert _names(client, "municipality=lulea") == [f"{first.lineage.slug}-version-2.pdf"]


def test_a_draft_never_appears_in_a_zip(client, no_render):
    sfi = Theme.objects.get(slug="sfi")
    draft = local_agreement(municipality_codes=["0181"], title="Utkast om sfi", draft=True)
    draft.themes.add(sfi)
    published = Agreement.objects.get(lineage__slug="sodertalje-lok")
    revision_create(agreement=published, publish=False, title="Utkast till ny version")

    for query in [
        "",
        "county=stockholms-lan",
        "municipality=sodertalje",
        "theme=sfi",
        "q=utkast",
        "status=in_force&status=superseded&status=upcoming&status=unknown&status=expired",
    ]:
        response = client.get(f"{ZIP_URL}?{query}")
        if response.status_code == 404:
            continue
        names = _archive(response).namelist()
        assert f"{draft.lineage.slug}-version-1.pdf" not in names, query
        assert "sodertalje-lok-version-2.pdf" not in names, query
    assert "Utkast" not in " ".join(no_render)
    assert _names(client, "municipality=sodertalje") == ["sodertalje-lok-version-1.pdf"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("level=nonsense", "Nivå: Välj ett giltigt alternativ. nonsense finns inte bland"),
        ("county=atlantis", "Län: Det finns inget län som heter ”atlantis”."),
        ("county=99", "Län: Det finns inget län som heter ”99”."),
        ("municipality=9999", "Kommun: Det finns ingen kommun som heter ”9999”."),
        ("year=tusen", "Undertecknad år: Välj ett giltigt alternativ. tusen finns inte bland"),
        ("sort=slump", "Sortering: Välj ett giltigt alternativ. slump finns inte bland"),
    ],
)
def test_an_invalid_parameter_gets_a_swedish_message_and_nothing_is_rendered(
    client, no_render, query, message
):
    response = client.get(f"{ZIP_URL}?county=stockholms-lan&{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("Urvalet går inte att läsa."), text
    assert message in text
    assert no_render == []


def test_empty_selection_says_so(client, no_render):
    response = client.get(ZIP_URL, {"county": "gotlands-lan"})
    assert response.status_code == 404
    assert response.content.decode() == (
        "Inga publicerade överenskommelser matchar urvalet (Gotlands län)."
    )


def test_too_large_selection_asks_for_a_narrower_one(client, no_render, monkeypatch):
    monkeypatch.setattr(pdf_views, "ZIP_MAX_AGREEMENTS", 3)
    response = client.get(ZIP_URL, {"county": "stockholms-lan"})
    assert response.status_code == 400
    assert "fler än 3 överenskommelser" in response.content.decode()
    assert no_render == []


def test_the_catalogue_links_to_the_zip_of_its_selection(client, no_render):
    query = "county=stockholms-lan&theme=samordning&sort=newest"
    html = _catalogue(client, f"{query}&page=1")

    link = _zip_link(html)

    assert link == f"{ZIP_URL}?{query}", "the catalogue's own parameters, without the page"
    assert _archive(client.get(link)).namelist() == _listed(html)


def test_the_catalogue_links_to_no_zip_it_would_refuse(client, no_render, monkeypatch):
    assert _zip_link(_catalogue(client, "county=gotlands-lan")) is None  # empty
    assert _zip_link(_catalogue(client, "county=atlantis", 400)) is None  # skipped value

    monkeypatch.setattr(pdf_views, "ZIP_MAX_AGREEMENTS", 3)
    html = _catalogue(client, "county=stockholms-lan")
    assert _zip_link(html) is None
    assert "som en ZIP-fil när urvalet har högst 3 överenskommelser" in html
    assert _zip_link(_catalogue(client, "municipality=sodertalje")) is not None
