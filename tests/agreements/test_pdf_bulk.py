"""A ZIP of the PDFs of a catalogue selection, streamed while the PDFs are made. It takes the
catalogue's parameters and holds what the catalogue lists for them."""

import io
import re
import zipfile

import pytest
from django.core.cache import caches
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
render_spy = pdf_support.render_spy

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
    response = client.get(ZIP_URL, {"county": "stockholms-lan"}, follow=True)
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


# A large selection: built by the background job (at once in the tests) into the storage. -----

JOB_URL = reverse("agreements:pdf_zip_job")
FILE_URL = reverse("agreements:pdf_zip_file")


@pytest.fixture
def zip_storage(settings, tmp_path, monkeypatch):
    """The storage the ZIPs are written to, in a temporary folder, and a stream limit of 3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "pdf": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }
    monkeypatch.setattr(pdf_views, "ZIP_STREAM_MAX", 3)
    caches["default"].clear()
    yield tmp_path
    caches["default"].clear()


def _stored_zips(folder) -> list:
    return sorted((folder / "zip").glob("*.zip"))


def _stored_archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"].startswith("private")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_large_selection_is_prepared_by_a_job_and_then_downloaded(
    client, zip_storage, render_spy, monkeypatch
):
    monkeypatch.setattr(pdf_views, "ZIP_STREAM_MAX", 1)  # two real PDFs make a large selection
    AgreementFactory(title="Utkast om kvastfenor", draft=True)
    query = "level=central&level=regional"
    listed = _listed(_catalogue(client, query))
    assert len(listed) == 2

    response = client.get(f"{ZIP_URL}?{query}")

    assert response.status_code == 302
    assert response["Location"] == f"{JOB_URL}?{query}"
    page = client.get(response["Location"])
    # The job ran at once (the tests' backend), so the page links to the file; with a worker
    # the page first says "ZIP-filen förbereds …" (test below).
    assert page.status_code == 200
    html = page.content.decode()
    assert "ZIP-filen är klar" in html
    assert f"PDF:erna för {len(listed)} publicerade överenskommelser" in html
    assert len(_stored_zips(zip_storage)) == 1
    download = client.get(f"{FILE_URL}?{query}")
    assert f'href="{FILE_URL}?level=central&amp;level=regional"' in html
    assert download["Content-Disposition"] == (
        'attachment; filename="overenskommelser-central-regional.zip"'
    )
    archive = _stored_archive(download)
    assert archive.namelist() == listed
    titles = [read_pdf(archive.read(name)).reader.metadata.title for name in archive.namelist()]
    expected = {
        f"{agreement.lineage.slug}-version-{agreement.version_number}.pdf": agreement.title
        for agreement in Agreement.objects.published().select_related("lineage")
    }
    for name, title in zip(archive.namelist(), titles, strict=True):
        assert expected[name] in title
    assert not any("kvastfenor" in title for title in titles)
    assert not any("kvastfenor" in html for html in render_spy)


def test_the_page_says_the_zip_is_being_prepared_until_the_job_has_run(
    client, zip_storage, no_render, settings
):
    from django_tasks import default_task_backend

    from agreements import tasks

    # A queue that keeps its jobs, as the database's does until a worker takes them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    query = {"county": "stockholms-lan"}

    first = client.get(JOB_URL, query)
    again = client.get(JOB_URL, query)

    for response in (first, again):
        assert response.status_code == 202
        html = response.content.decode()
        assert "ZIP-filen förbereds …" in html
        assert '<meta http-equiv="refresh" content="10">' in html
        assert f'<a href="{JOB_URL}?county=stockholms-lan">Uppdatera</a>' in html
    queued = default_task_backend.results
    assert [result.args for result in queued] == [[{"county": ["stockholms-lan"]}]], "one job"
    # The download is not there yet: back to the page.
    assert client.get(FILE_URL, query)["Location"] == f"{JOB_URL}?county=stockholms-lan"
    assert no_render == []

    # The worker runs the job: the page links to the file.
    tasks.agreements_pdf_zip_build.call({"county": ["stockholms-lan"]})
    ready = client.get(JOB_URL, query)
    assert ready.status_code == 200
    assert "ZIP-filen är klar" in ready.content.decode()
    assert len(_stored_archive(client.get(FILE_URL, query)).namelist()) > 3


def test_the_same_selection_is_built_once_and_a_change_gives_a_new_file(
    client, zip_storage, no_render
):
    query = {"county": "stockholms-lan", "level": "local"}
    assert client.get(JOB_URL, query).status_code == 200
    rendered = len(no_render)
    assert rendered == 10
    built = _stored_zips(zip_storage)
    assert len(built) == 1
    first = _stored_archive(client.get(FILE_URL, query)).namelist()

    # The same selection again, its parameters in another order: nothing is built.
    assert client.get(JOB_URL, {"level": "local", "county": "stockholms-lan"}).status_code == 200
    assert _stored_archive(client.get(FILE_URL, query)).namelist() == first
    assert _stored_zips(zip_storage) == built
    assert len(no_render) == rendered

    # A published agreement of the selection changes: a new file with the new PDF.
    changed = Agreement.objects.get(lineage__slug="sodertalje-lok")
    changed.title = "Södertäljes nya titel"
    changed.save()
    assert client.get(JOB_URL, query).status_code == 200
    assert len(_stored_zips(zip_storage)) == 2
    archive = _stored_archive(client.get(FILE_URL, query))
    assert b"S\xc3\xb6dert\xc3\xa4ljes nya titel" in archive.read("sodertalje-lok-version-1.pdf")


def test_a_draft_never_appears_in_a_built_zip(client, zip_storage, no_render):
    published = Agreement.objects.get(lineage__slug="sodertalje-lok")
    revision_create(agreement=published, publish=False, title="Utkast till ny version")
    draft = local_agreement(municipality_codes=["0181"], title="Utkast om sfi", draft=True)

    assert client.get(JOB_URL, {"county": "stockholms-lan"}).status_code == 200
    names = _stored_archive(client.get(FILE_URL, {"county": "stockholms-lan"})).namelist()

    assert len(names) > 3
    assert "sodertalje-lok-version-1.pdf" in names
    assert "sodertalje-lok-version-2.pdf" not in names
    assert f"{draft.lineage.slug}-version-1.pdf" not in names
    assert "Utkast" not in " ".join(no_render)


def test_a_failed_job_says_so_and_can_be_tried_again(client, zip_storage, no_render, monkeypatch):
    from agreements import pdf

    def broken(*args, **kwargs):
        raise OSError("the storage is gone")

    monkeypatch.setattr(pdf, "agreements_zip", broken)
    response = client.get(JOB_URL, {"county": "stockholms-lan"})
    assert response.status_code == 500
    assert "ZIP-filen kunde inte göras" in response.content.decode()
    assert _stored_zips(zip_storage) == []

    monkeypatch.undo()
    monkeypatch.setattr(pdf_views, "ZIP_STREAM_MAX", 3)
    assert client.get(JOB_URL, {"county": "stockholms-lan"}).status_code == 200


def test_the_page_in_english(client, zip_storage, no_render):
    response = client.get(f"/en{JOB_URL}", {"county": "stockholms-lan"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "The ZIP file is ready" in html
    assert f'href="/en{FILE_URL}?county=stockholms-lan"' in html


def test_a_selection_over_the_limit_and_bad_parameters_are_refused(
    client, zip_storage, no_render, monkeypatch
):
    monkeypatch.setattr(pdf_views, "ZIP_MAX_AGREEMENTS", 5)
    for url in (JOB_URL, FILE_URL):
        too_many = client.get(url, {"county": "stockholms-lan"})
        assert too_many.status_code == 400
        assert "fler än 5 överenskommelser" in too_many.content.decode()
        bad = client.get(url, {"county": "atlantis"})
        assert bad.status_code == 400
        assert bad.content.decode().startswith("Urvalet går inte att läsa.")
        empty = client.get(url, {"county": "gotlands-lan"})
        assert empty.status_code == 404
    assert no_render == []
    assert not (zip_storage / "zip").exists()
