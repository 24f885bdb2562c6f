"""Background jobs (Django's task API; the queue is in PostgreSQL, see TASKS in
registry/settings.py). A job takes plain arguments (ids, not objects), reads what it needs
itself, and does nothing when the world changed before it ran.

- `agreement_pdf_prerender`: the PDF of a published agreement version, put in the shared PDF
  cache after it is saved, so that no visitor waits for the render.
- `pdf_cache_prune`: deletes stored PDFs unused for longer than the cache's TIMEOUT.

- `agreements_pdf_zip_build`: the ZIP of a large catalogue selection (agreements/pdf_zip.py),
  written to STORAGES["pdf"] under `zip/<digest>.zip`; the visitor waits on a page that
  refreshes itself and then links to the file (agreements/pdf_views.py).

- `agreements_import_save`: a big import file (agreements/importing.py, `ImportJob`), saved all
  or nothing; the importing staff member waits on a page that refreshes itself.
- `agreements_publish_run`: many selected agreements published (agreements_publish, an
  `ImportJob` too), each all or nothing; the staff member waits on the same kind of page.
"""

from django.core.cache import caches

try:  # Django 6.0 has the task API built in; before that the django-tasks backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - Django 5.2
    from django_tasks import task

from agreements.models import Agreement
from agreements.pdf_cache import PDF_CACHE_ALIAS, StorageCache


@task()
def agreement_pdf_prerender(agreement_id: int) -> bool:
    """Renders (or finds) today's PDF of the agreement version. False when the version is no
    longer published."""
    from agreements import pdf  # WeasyPrint is loaded by the worker, not by every server

    agreement = (
        Agreement.objects.published()
        .filter(pk=agreement_id)
        .select_related("lineage")
        .only("version_number", "lineage__slug")
        .first()
    )
    if agreement is None:
        return False
    pdf.agreement_pdf_get(slug=agreement.lineage.slug, number=agreement.version_number)
    return True


@task()
def pdf_cache_prune() -> int:
    """Deletes the stored PDFs nobody asked for within the cache's TIMEOUT; how many."""
    store = caches[PDF_CACHE_ALIAS]
    return store.prune() if isinstance(store, StorageCache) else 0


@task()
def agreements_pdf_zip_build(params: dict[str, list[str]]) -> str | None:
    """Builds the ZIP of the catalogue selection `params` (the catalogue's parameters, the
    anonymous visitor's rules) unless it is stored already; its storage name, or None when the
    parameters no longer give a selection it may build."""
    from agreements import pdf_views, pdf_zip

    return pdf_zip.zip_build(params=params, limit=pdf_views.ZIP_MAX_AGREEMENTS)


@task()
def agreements_import_save(job_id: int) -> str:
    """Saves the import job's file; its status ("done", "failed", or "gone" when the job is
    not waiting any more)."""
    from agreements import importing

    return importing.import_job_run(job_id=job_id)


@task()
def agreements_publish_run(job_id: int) -> str:
    """Publishes the job's agreements; its status ("done", "failed", or "gone")."""
    from agreements import services

    return services.publish_job_run(job_id=job_id)
