"""What the public pages and lists show of published agreements, kept in each process's
memory (CACHES["pages"]) so that reading it again costs a small query or two. A deploy starts
new processes, so a changed template or serializer is never answered from an old entry; in
development (DJANGO_DEBUG) nothing is kept, so that an edited template shows at once.

Every entry but the API's list is kept under the generation for everything of the PDF cache
(agreements/pdf_cache.py), which the signals of agreements/pdf_signals.py renew after any
write to a published version, a follow-up, a reception figure or a shared row (a name, a
contact person), and every entry expires after `FAST_PATH_SECONDS`, which bounds the effect of
a write that bypasses the signals (QuerySet.update, raw SQL), as for the PDFs' fast path. Only
that one token is read from the shared cache: a page view never writes to it (a token per
agreement would, for every agreement read).

- The article of a published version's page (everything between the site's header and
  footer, `agreement_article`) is kept under the language (/en/ translates the page around
  the Swedish text), the version and its lock number (moves on every change of the version
  and its parts, through any path), its legal status today (the one thing on the page that
  changes with the day) and the numbers of the published versions ("version 2 of 3").
- The catalogue and the county, national and municipality pages (`public_kept`) are kept
  under their address and the state of the catalogue's index they were computed with (its
  change token, which moves after every write to a published version, and its day).
- The API's list of agreements (`catalogue_kept`) shows nothing but the published versions with
  their county and municipalities, every change of which moves the index's token: it is kept
  under the index's state alone, without reading the generation.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.utils import translation

from agreements.catalogue_index import CatalogueIndex
from agreements.models import Agreement
from agreements.pdf_cache import FAST_PATH_SECONDS, generations_many

PAGE_CACHE_ALIAS = "pages"
T = TypeVar("T")


def _kept_under(parts: tuple[str, ...], compute: Callable[[], T | None]) -> T | None:
    """The value kept under `parts`, else `compute()`d and kept unless it is None."""
    store = caches[PAGE_CACHE_ALIAS]
    # Of any length (an address) within the backends' limits.
    key = "page:" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    value = store.get(key)
    if value is None:
        value = compute()
        if value is not None:
            store.set(key, value, timeout=FAST_PATH_SECONDS)
    return value


def _kept(parts: tuple[str, ...], compute: Callable[[], T | None]) -> T | None:
    """`_kept_under` `parts` and the generation for everything."""
    # Read (or drawn) before the rows are read: a write committed after the read renews the
    # token, so that what is kept here is never found again.
    everything = generations_many([], draw=False)[1] or generations_many([])[1]
    return _kept_under((*parts, everything), compute)


def agreement_article(
    *, agreement: Agreement, versions: list[Agreement], render: Callable[[], str]
) -> str:
    """The article of `agreement` (a published version with its `legal_status`, among the
    published `versions` of its agreement), kept or `render()`ed."""
    parts = (
        "agreement-article",
        translation.get_language() or "",
        str(agreement.pk),
        str(agreement.lock_version),
        agreement.legal_status,
        ",".join(str(version.version_number) for version in versions),
    )
    return _kept(parts, render)


def public_kept(*, index: CatalogueIndex, key: str, compute: Callable[[], T | None]) -> T | None:
    """What a public page (`key`: which, with its address, language and parameters) shows of
    the newest published agreements, their status and coverage, kept under the state of the
    catalogue `index` it is computed with; else `compute()`d and kept unless it is None. The
    index's own token, not the database's: while a new index is built in the background, what
    the old one answers is kept under the old token."""
    return _kept((key, index.token, str(index.day)), compute)


def catalogue_kept(*, index: CatalogueIndex, key: str, compute: Callable[[], T | None]) -> T | None:
    """`public_kept` for what shows nothing but the newest published versions with their
    county and municipalities (the API's list of agreements): every change of these moves the
    index's token (agreements/signals.py), so it is kept under the index's state alone and
    read again without a query of its own."""
    return _kept_under((key, index.token, str(index.day)), compute)
