"""The import workflow's background jobs (ImportJob): saving a big import file
(agreements/importing.py) and publishing many selected agreements (agreements/services.py).
A request starts the job; a task of agreements/tasks.py runs it in one transaction, writing
how far it has come through a connection of its own, so that the status page, which refreshes
itself, sees it at once."""

import logging

from django.db import connection
from django.utils import timezone

from agreements.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)


def job_start(*, task, **fields) -> ImportJob:
    """A job with these fields, queued for the task (which takes the job's id)."""
    job = ImportJob.objects.create(**fields)
    task.enqueue(job.pk)
    job.refresh_from_db()  # a backend that runs the job at once has finished it
    return job


def job_run(*, job_id: int, action: str, work, failed: str) -> str:
    """Run the queued job of the kind `action`: `work(job, progress)` does it and returns
    (status, saved, errors); `progress(saved)` shows how far it has come. An unforeseen
    error fails the job with the message `failed`. The job's status, or "gone" when it is
    not waiting any more."""
    job = ImportJob.objects.filter(pk=job_id, action=action, status=ImportStatus.QUEUED).first()
    if job is None:
        return "gone"
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    progress = connection.copy()
    table = ImportJob._meta.db_table

    def saved_so_far(saved: int) -> None:
        with progress.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET saved = %s WHERE id = %s", [saved, job.pk])

    try:
        status, saved, errors = work(job, saved_so_far)
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, action)
        status, saved, errors = ImportStatus.FAILED, 0, [failed]
    finally:
        progress.close()
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, errors=errors, saved=saved, content=b"", finished_at=timezone.now()
    )
    return status
