"""The cache of finished PDFs and its generations. Kept apart from agreements/pdf.py so that
the signals (loaded with the app) do not load WeasyPrint.

Two kinds of entries:

- the PDF itself, under the digest of everything that went into it (HTML, attached JSON,
  stylesheet, fonts, WeasyPrint version): correct by construction, whatever changed;
- a fast pointer per agreement version, print day and generation → that digest, so that a
  repeated request needs one small query and two cache reads instead of building the HTML.

A generation is a random token per agreement, plus one for everything. A signal deletes it
after any write that changes what the PDF prints (agreements/pdf_signals.py; the public pages
kept by agreements/page_cache.py are kept under the one for everything); the next request
draws a new token, so an evicted or deleted generation can only cause a new render, never a
stale PDF. Fast pointers also expire after FAST_PATH_SECONDS, which bounds the effect of a
write that bypasses signals (QuerySet.update, raw SQL).

Where the entries live (`StorageCache`, the "pdf" cache of registry/settings.py): the PDFs in a
Django storage (STORAGES["pdf"]: a local directory, or S3-compatible object storage when the
registry runs on several servers), the generations and fast pointers in the shared "default"
cache (PostgreSQL or Redis). Every app server and background worker thus sees a PDF that one
of them rendered, and a change made through one server reaches the others' fast path at once.
"""

import datetime
import posixpath
import re
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.utils import timezone

PDF_CACHE_ALIAS = "pdf"
FAST_PATH_SECONDS = 10 * 60
_ALL = "pdf:generation:all"
# Keys of small values (tokens, digests) kept in the shared cache; every other key names a
# finished PDF, kept in the storage.
POINTER_PREFIXES = ("pdf:generation:", "pdf:fast:")


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


def generations_many(agreement_ids: list[int], *, draw: bool = True) -> tuple[list[str], str]:
    """`generations` for many agreements: their tokens in order and the one for everything, in
    one read when all exist (missing ones are drawn, as the PDFs' own rendering would; with
    `draw` false they are "", and nothing is written). For a digest that changes whenever one
    of these PDFs may have (agreements/pdf_zip.py); with no agreements, the token for
    everything that the public pages are kept under (agreements/page_cache.py)."""
    store = pdf_cache()
    keys = [_agreement_key(pk) for pk in agreement_ids]
    found = store.get_many([*keys, _ALL])
    missing = [key for key in (*keys, _ALL) if key not in found] if draw else []
    for key in missing:
        store.add(key, uuid.uuid4().hex, timeout=None)
    if missing:
        found.update(store.get_many(missing))
    return [found.get(key, "") for key in keys], found.get(_ALL, "")


def agreement_pdfs_invalidate(*, agreement_id: int | None = None) -> None:
    """After the transaction commits: new generation for one agreement, or for all. Inside a
    staff write (pdf_generations_collected) each generation once, at the write's end."""
    key = _ALL if agreement_id is None else _agreement_key(agreement_id)
    collected = getattr(connection, "_pdf_generations_collected", None)
    if collected is not None:
        collected.add(key)
        return
    transaction.on_commit(lambda: pdf_cache().delete(key))


@contextmanager
def pdf_generations_collected():
    """A staff write (agreements.signals.agreement_changes opens this inside its transaction):
    the generations its rows renew are renewed once each, after the commit, however many
    rows changed; none when the write fails. Nested blocks join the outermost."""
    if getattr(connection, "_pdf_generations_collected", None) is not None:
        yield
        return
    collected = connection._pdf_generations_collected = set()
    try:
        yield
    finally:
        connection._pdf_generations_collected = None
    if collected:
        keys = sorted(collected)
        transaction.on_commit(lambda: pdf_cache().delete_many(keys))


class StorageCache(BaseCache):
    """A cache for the finished PDFs: documents in a Django storage, pointers in another cache.

    LOCATION names the storage (an alias of STORAGES); OPTIONS["POINTERS"] the cache alias for
    the generations and fast pointers (default "default"). A document's name is made from its
    key (label and content digest), so the same document is stored once whoever renders it;
    TIMEOUT is how long a stored document is kept before `prune` deletes it (documents are
    never stale, only unused: the print day is part of the digest)."""

    def __init__(self, location, params):
        options = params.get("OPTIONS") or {}
        params = {**params, "OPTIONS": {}}
        super().__init__(params)
        self._storage_alias = location or PDF_CACHE_ALIAS
        self._pointer_alias = options.get("POINTERS", "default")

    @property
    def storage(self):
        return storages[self._storage_alias]

    @property
    def pointers(self):
        return caches[self._pointer_alias]

    @staticmethod
    def _is_pointer(key: str) -> bool:
        return key.startswith(POINTER_PREFIXES)

    @staticmethod
    def document_name(key: str) -> str:
        """pdf:norrbotten-rok:1:<digest> → norrbotten-rok/1/<digest>.pdf"""
        parts = [re.sub(r"[^A-Za-z0-9._-]", "_", part) for part in key.split(":")[1:]]
        return posixpath.join(*[part.lstrip(".") or "_" for part in parts]) + ".pdf"

    def get(self, key, default=None, version=None):
        if self._is_pointer(key):
            return self.pointers.get(key, default, version=version)
        try:
            with self.storage.open(self.document_name(key), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, OSError):
            return default

    def get_many(self, keys, version=None):
        keys = list(keys)
        pointers = [key for key in keys if self._is_pointer(key)]
        found = self.pointers.get_many(pointers, version=version) if pointers else {}
        for key in keys:
            if not self._is_pointer(key):
                value = self.get(key, version=version)
                if value is not None:
                    found[key] = value
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._is_pointer(key):
            self.pointers.set(key, value, timeout=timeout, version=version)
            return
        name = self.document_name(key)
        # The name is the content's digest: a document stored by another server is the same.
        if not self.storage.exists(name):
            self.storage.save(name, ContentFile(value))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._is_pointer(key):
            return self.pointers.add(key, value, timeout=timeout, version=version)
        if self.storage.exists(self.document_name(key)):
            return False
        self.set(key, value, timeout=timeout, version=version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        if self._is_pointer(key):
            return self.pointers.touch(key, timeout=timeout, version=version)
        return self.has_key(key, version=version)

    def has_key(self, key, version=None):
        if self._is_pointer(key):
            return self.pointers.has_key(key, version=version)
        return self.storage.exists(self.document_name(key))

    def delete(self, key, version=None):
        if self._is_pointer(key):
            return self.pointers.delete(key, version=version)
        name = self.document_name(key)
        existed = self.storage.exists(name)
        self.storage.delete(name)
        return existed

    def _documents(self, folder: str = ""):
        try:
            folders, files = self.storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            yield posixpath.join(folder, name)
        for sub in folders:
            yield from self._documents(posixpath.join(folder, sub))

    def prune(self, *, older_than: datetime.timedelta | None = None) -> int:
        """Deletes the stored documents not written within `older_than` (default: TIMEOUT);
        returns how many. The pointers expire by themselves."""
        limit = timezone.now() - (older_than or datetime.timedelta(seconds=self.default_timeout))
        deleted = 0
        for name in list(self._documents()):
            if self.storage.get_modified_time(name) < limit:
                self.storage.delete(name)
                deleted += 1
        return deleted

    def clear(self):
        """Deletes every stored document. Pointers to them stay in the shared cache (it holds
        other things too) and lead to a new render."""
        for name in list(self._documents()):
            self.storage.delete(name)
