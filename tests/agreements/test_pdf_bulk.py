"""A ZIP of the PDFs of a catalogue selection, streamed while the PDFs are made."""

import io
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from agreements import pdf_views
from agreements.models import Agreement, Level
from tests.agreements import pdf_support
from tests.agreements.pdf_support import read_pdf
from tests.factories import AgreementFactory, local_agreement

pdf_cache = pdf_support.pdf_cache
no_render = pdf_support.no_render

pytestmark = pytest.mark.django_db

ZIP_URL = reverse("agreements:pdf_zip")


def _archive(response) -> zipfile.ZipFile:
    assert isinstance(response, StreamingHttpResponse)
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


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
    response = client.get(ZIP_URL, {"county": "01", "level": "local"})

    assert response.status_code == 200
    assert no_render == [], "nothing is rendered before the response is read"
    rendered_by_chunk = [len(no_render) for _ in response.streaming_content]
    expected = Agreement.objects.published().filter(county__code="01", level=Level.LOCAL)
    assert expected.count() == 10
    # One PDF after the other while the archive is sent, never all of them up front.
    assert sorted(set(rendered_by_chunk)) == list(range(11))


def test_selection_by_level_municipality_and_text(client, no_render):
    archive = _archive(client.get(ZIP_URL, {"level": "central"}))
    assert archive.namelist() == ["cok-version-1.pdf"]

    archive = _archive(client.get(ZIP_URL, {"municipality": "0181"}))  # Södertälje
    assert archive.namelist() == ["sodertalje-lok-version-1.pdf"]

    archive = _archive(client.get(ZIP_URL, {"municipality": "sundbyberg", "q": "bas"}))
    assert archive.namelist() == ["sundbyberg-praktiskt-basar-version-1.pdf"]

    archive = _archive(client.get(ZIP_URL, {"q": "rök norrbotten"}))  # the alias, any case
    assert archive.namelist() == ["norrbotten-rok-version-1.pdf"]


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
    archive = _archive(client.get(ZIP_URL, {"q": "Luleås"}))
    assert archive.namelist() == [f"{first.lineage.slug}-version-2.pdf"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"county": "atlantis"}, "Länet ”atlantis” finns inte."),
        ({"municipality": "9999"}, "Kommunen ”9999” finns inte."),
        ({"level": "kommunal"}, "Nivån ”kommunal” finns inte. Välj central, regional eller local."),
    ],
)
def test_bad_selection_gets_a_swedish_message(client, no_render, params, message):
    response = client.get(ZIP_URL, params)
    assert response.status_code == 400
    assert response.content.decode().startswith(message)
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
