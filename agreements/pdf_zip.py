"""ZIPs of large catalogue selections, made by a background job and kept in a storage.

A selection of at most `pdf_views.ZIP_STREAM_MAX` agreements is streamed while it is made. A
larger one is built once by the job `agreements_pdf_zip_build` (agreements/tasks.py) into
STORAGES["pdf"] (beside the PDF cache, so that every server and worker sees it and
`pdf_cache_prune` removes it after a week) under `zip/<digest>.zip`. The digest is made of:

- the selection itself: the published versions the catalogue lists for the parameters, in its
  order (any parameters that list the same versions share the file);
- the catalogue's change marker and the day (status and print date depend on it);
- the PDF cache's generation tokens of those versions and of everything (agreements/
  pdf_cache.py; drawn here when missing, so that the rendering does not change them), and the
  PDF style digest: whatever changes what a PDF prints gives a new file.

So the same selection is built once and served while nothing changed, and a change gives a new
file without deleting anything. The download is always computed for the request: an
unpublished agreement leaves the selection, and the old file is never served again.

A job in progress is noted in the shared cache (`zip:job:<digest>` → the task result's id) so
that refreshing the waiting page does not enqueue it twice.
"""

import hashlib
import json
import tempfile
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import storages
from django.http import QueryDict
from django.utils import timezone

try:  # Django 6.0 has the task API built in; before that the django-tasks backport.
    from django.tasks import TaskResultStatus
    from django.tasks.exceptions import TaskResultDoesNotExist
except ImportError:  # pragma: no cover - Django 5.2
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

from agreements.catalogue_index import catalogue_token
from agreements.filters import AgreementFilterSet
from agreements.models import Agreement
from agreements.pdf_cache import generations_many
from agreements.pdf_selectors import (
    agreement_list_for_catalogue_selection,
    catalogue_selection_description,
)

ZIP_STORAGE = "pdf"
ZIP_FOLDER = "zip"
# How long a job may be waited for before another is enqueued (a worker that died).
JOB_TIMEOUT = 60 * 60


class ZipState(StrEnum):
    READY = "ready"
    PREPARING = "preparing"
    FAILED = "failed"


@dataclass(frozen=True)
class ZipSelection:
    agreements: list[Agreement]
    description: str
    digest: str

    @property
    def storage_name(self) -> str:
        return f"{ZIP_FOLDER}/{self.digest}.zip"

    @property
    def filename(self) -> str:
        from agreements.pdf import zip_filename

        return zip_filename(self.description)


def zip_params(params: QueryDict) -> dict[str, list[str]]:
    """The catalogue's parameters as the job takes them (JSON), without the page."""
    return {name: params.getlist(name) for name in sorted(params) if name != "page"}


def _params_querydict(params: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in params.items():
        query.setlist(name, [str(value) for value in values])
    return query


def zip_selection_get(
    *, filterset: AgreementFilterSet, limit: int | None = None
) -> ZipSelection | None:
    """The selection of a valid FilterSet (the anonymous visitor's: published versions only)
    with its digest; None when it has more than `limit` agreements."""
    from agreements.pdf import style_digest

    agreements = agreement_list_for_catalogue_selection(
        filterset=filterset, limit=None if limit is None else limit + 1
    )
    if limit is not None and len(agreements) > limit:
        return None
    ids = [agreement.pk for agreement in agreements]
    tokens, all_token = generations_many(ids)
    payload = {
        "versions": ids,
        "marker": catalogue_token(),
        "day": timezone.localdate().isoformat(),
        "generations": tokens,
        "all": all_token,
        "style": style_digest(),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return ZipSelection(
        agreements=agreements,
        description=catalogue_selection_description(filterset),
        digest=digest,
    )


def _storage():
    return storages[ZIP_STORAGE]


def _job_key(selection: ZipSelection) -> str:
    return f"zip:job:{selection.digest}"


def zip_is_ready(selection: ZipSelection) -> bool:
    return _storage().exists(selection.storage_name)


def zip_open(selection: ZipSelection):
    return _storage().open(selection.storage_name, "rb")


def zip_state(selection: ZipSelection, *, params: dict[str, list[str]]) -> ZipState:
    """Ready, or preparing (the job is enqueued now unless it already is), or failed (the job
    ended with an error; the next call enqueues it again)."""
    from agreements.tasks import agreements_pdf_zip_build

    if zip_is_ready(selection):
        return ZipState.READY
    cache = caches["default"]
    key = _job_key(selection)
    result_id = cache.get(key)
    if result_id == "":  # another request is enqueueing it right now
        return ZipState.PREPARING
    if result_id is not None:
        try:
            result = agreements_pdf_zip_build.get_result(result_id)
        except NotImplementedError:  # a backend that keeps no results: wait for the file
            return ZipState.PREPARING
        except TaskResultDoesNotExist:  # the result is gone (pruned): start again
            cache.delete(key)
        else:
            if result.status == TaskResultStatus.FAILED:
                cache.delete(key)
                return ZipState.FAILED
            return ZipState.PREPARING
    if not cache.add(key, "", timeout=JOB_TIMEOUT):
        return ZipState.PREPARING  # another request enqueued it just now
    result = agreements_pdf_zip_build.enqueue(params)
    if result.status == TaskResultStatus.FAILED:  # a backend that runs the job at once
        cache.delete(key)
        return ZipState.FAILED
    cache.set(key, result.id, timeout=JOB_TIMEOUT)
    return ZipState.READY if zip_is_ready(selection) else ZipState.PREPARING


def zip_build(*, params: dict[str, list[str]], limit: int) -> str | None:
    """Writes the ZIP of the selection to the storage unless it is there; its storage name, or
    None when the parameters no longer give a selection of 1…limit agreements."""
    from agreements.pdf import agreements_zip

    filterset = AgreementFilterSet(_params_querydict(params))
    if not filterset.is_valid():
        return None
    selection = zip_selection_get(filterset=filterset, limit=limit)
    if selection is None or not selection.agreements:
        return None
    storage = _storage()
    if not storage.exists(selection.storage_name):
        # Written to a temporary file first: the archive may be larger than memory allows.
        with tempfile.TemporaryFile() as handle:
            for chunk in agreements_zip(selection.agreements):
                handle.write(chunk)
            handle.seek(0)
            storage.save(selection.storage_name, File(handle, name=selection.storage_name))
    return selection.storage_name
