"""What several servers share besides PostgreSQL: finished PDFs in a Django storage (local
directory or S3) with their pointers in the shared cache, and the background job that renders a
published agreement's PDF. tests/deploy/test_topology.py runs the same with real processes."""

import datetime
import json
import os

import pytest
from django.core.cache import caches
from django.urls import reverse

from agreements.pdf_cache import PDF_CACHE_ALIAS, StorageCache
from tests.factories import AgreementFactory
from tests.processes import python_run


@pytest.fixture
def stored_pdfs(settings, tmp_path):
    """The PDF cache as production configures it, with the documents in a temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "pdf": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }
    settings.CACHES = {
        **settings.CACHES,
        PDF_CACHE_ALIAS: {
            "BACKEND": "agreements.pdf_cache.StorageCache",
            "LOCATION": "pdf",
            "TIMEOUT": 7 * 24 * 3600,
            "OPTIONS": {"POINTERS": "default"},
        },
    }
    caches["default"].clear()
    yield tmp_path
    caches["default"].clear()


@pytest.fixture
def rendered(monkeypatch, stored_pdfs):
    """Counts renders; each "PDF" is a stub, as in pdf_support.no_render."""
    from agreements import pdf

    calls = []

    def stub(html, **kwargs):
        calls.append(html)
        return b"%PDF-stub " + str(len(calls)).encode()

    monkeypatch.setattr(pdf, "render_pdf", stub)
    return calls


@pytest.mark.django_db
def test_a_pdf_is_a_file_in_the_storage_and_its_pointers_are_in_the_shared_cache(
    client, rendered, stored_pdfs
):
    agreement = AgreementFactory(title="Lagrad överenskommelse")
    url = reverse("agreements:pdf", kwargs={"slug": agreement.lineage.slug})
    first = client.get(url)
    assert first.status_code == 200
    files = list(stored_pdfs.rglob("*.pdf"))
    assert len(files) == 1
    assert files[0].parent.relative_to(stored_pdfs).as_posix() == f"{agreement.lineage.slug}/1"
    assert files[0].read_bytes() == first.content
    # Another server reads the same storage and cache: asking again renders nothing.
    second = client.get(url)
    assert second.content == first.content
    assert len(rendered) == 1
    # A document lost from the storage (pruned, another bucket) is rendered again.
    files[0].unlink()
    assert client.get(url).status_code == 200
    assert len(rendered) == 2


@pytest.mark.django_db
def test_prune_deletes_only_documents_unused_for_longer_than_the_timeout(rendered, stored_pdfs):
    store = caches[PDF_CACHE_ALIAS]
    assert isinstance(store, StorageCache)
    store.set("pdf:old:1:" + "a" * 64, b"%PDF-old")
    store.set("pdf:new:1:" + "b" * 64, b"%PDF-new")
    old = stored_pdfs / "old" / "1" / ("a" * 64 + ".pdf")
    week_ago = (datetime.datetime.now() - datetime.timedelta(days=8)).timestamp()
    os.utime(old, (week_ago, week_ago))
    assert store.prune() == 1
    assert not old.exists()
    assert store.get("pdf:new:1:" + "b" * 64) == b"%PDF-new"
    store.clear()
    assert not list(stored_pdfs.rglob("*.pdf"))


@pytest.mark.django_db
def test_saving_a_published_agreement_renders_its_pdf_in_a_background_job(
    settings, rendered, stored_pdfs, django_capture_on_commit_callbacks
):
    settings.PDF_PRERENDER_ON_PUBLISH = True  # the tests' jobs run at once (test_settings)
    with django_capture_on_commit_callbacks(execute=True):
        published = AgreementFactory(title="Publicerad och förrenderad")
    assert len(rendered) == 1
    assert "Publicerad och förrenderad" in rendered[0]
    assert len(list(stored_pdfs.rglob(f"{published.lineage.slug}/1/*.pdf"))) == 1

    with django_capture_on_commit_callbacks(execute=True):
        AgreementFactory(title="Ett utkast", draft=True)
    assert len(rendered) == 1  # a draft is not printed for the public


@pytest.mark.slow
def test_object_storage_is_chosen_by_the_environment():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({k: settings.STORAGES[k] for k in ('default', 'pdf')}))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_S3")},
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_S3_BUCKET": "registret",
        "DJANGO_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    result = python_run(code, environment)
    assert result.returncode == 0, result.stderr
    storages = json.loads(result.stdout.strip().splitlines()[-1])
    for alias, location in (("default", "media"), ("pdf", "cache/pdf")):
        assert storages[alias]["BACKEND"] == "storages.backends.s3.S3Storage"
        options = storages[alias]["OPTIONS"]
        assert options["bucket_name"] == "registret"
        assert options["endpoint_url"] == "http://127.0.0.1:9000"
        assert options["addressing_style"] == "path"
        assert options["location"] == location
    assert storages["default"]["OPTIONS"]["file_overwrite"] is False
