"""The cache of finished PDFs and its generations. Kept apart from agreements/pdf.py so that
the signals (loaded with the app) do not load WeasyPrint.

Two kinds of entries:

- the PDF itself, under the digest of everything that went into it (HTML, attached JSON,
  stylesheet, fonts, WeasyPrint version): correct by construction, whatever changed;
- a fast pointer per agreement version, print day and generation → that digest, so that a
  repeated request needs one small query and two cache reads instead of building the HTML.

A generation is a random token per agreement, plus one for everything. A signal deletes it
after any write that changes what the PDF prints (agreements/pdf_signals.py); the next request
draws a new token, so an evicted or deleted generation can only cause a new render, never a
stale PDF. Fast pointers also expire after FAST_PATH_SECONDS, which bounds the effect of a
write that bypasses signals (QuerySet.update, raw SQL).
"""

import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

PDF_CACHE_ALIAS = "pdf"
FAST_PATH_SECONDS = 10 * 60
_ALL = "pdf:generation:all"


def pdf_cache():
    return caches[PDF_CACHE_ALIAS] if PDF_CACHE_ALIAS in settings.CACHES else caches["default"]


def _agreement_key(agreement_id: int) -> str:
    return f"pdf:generation:{agreement_id}"


def generations(agreement_id: int) -> tuple[str, str]:
    """The current (agreement, everything) generation tokens, drawn anew when missing."""
    store = pdf_cache()
    keys = (_agreement_key(agreement_id), _ALL)
    found = store.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            store.add(key, uuid.uuid4().hex, timeout=None)
            token = store.get(key) or uuid.uuid4().hex
        tokens.append(token)
    return tokens[0], tokens[1]


def agreement_pdfs_invalidate(*, agreement_id: int | None = None) -> None:
    """After the transaction commits: new generation for one agreement, or for all."""
    key = _ALL if agreement_id is None else _agreement_key(agreement_id)
    transaction.on_commit(lambda: pdf_cache().delete(key))
