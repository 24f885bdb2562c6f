"""Printed documents: an agreement version, the county report and the national report, as
archival PDF (PDF/A-3b, tagged, with the agreement's data attached as JSON), rendered by
WeasyPrint from the templates in templates/pdf/ and the stylesheet static/css/pdf.css.

Safe: user text reaches WeasyPrint only escaped by the templates, and the renderer fetches
nothing but the registry's own static files (`StaticFilesFetcher`): no network, no file:
URLs, no data: URLs.

Fast: a finished PDF is cached under the digest of everything that goes into it (the HTML,
the attached JSON, the stylesheet, the fonts and the WeasyPrint version), so any edit to what
is printed gives a new PDF, whichever model was edited; the print date in the footer changes
it daily. A repeated request for an agreement finds that digest through a fast pointer keyed
by version, print day and cache generation, without building the HTML (agreements/pdf_cache.py
and agreements/pdf_signals.py).
"""

import datetime
import gc
import hashlib
import json
import mimetypes
import posixpath
import re
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pydyf
import weasyprint
import zipstream
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from agreements.document import agreement_document_dump
from agreements.models import Agreement, Level, Party
from agreements.pdf_cache import FAST_PATH_SECONDS, generations, pdf_cache
from agreements.pdf_selectors import (
    CountyReport,
    NationalReport,
    agreement_get_for_pdf,
    agreement_version_stamp,
    followup_latest_for,
)
from commitments.models import Commitment
from followup.models import AssessmentStatus, FollowUp
from followup.selectors import reception_years

# The documents are rendered against this origin. It never resolves (RFC 2606: .invalid); the
# fetcher below answers its static URLs from disk and refuses everything else.
PDF_BASE_URL = "https://samverkansregistret.invalid/"
PDF_VARIANT = "pdf/a-3b"
DATA_FORMAT = "samverkansregistret/overenskommelse/2"


class FetchRefused(ValueError):
    """The document asked for something that is not one of the registry's static files."""


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves the registry's own static files and nothing else.

    It records what it served and what it refused, so a test can see that a document asked
    for nothing outside the registry."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.served: list[str] = []
        self.refused: list[str] = []
        self._static_prefix = urljoin(PDF_BASE_URL, settings.STATIC_URL)

    def fetch(self, url, headers=None):
        path = self._static_file(url)
        if path is None:
            self.refused.append(url)
            raise FetchRefused(
                f"PDF-utskriften hämtar bara registrets egna statiska filer, inte {url[:200]}"
            )
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def _static_file(self, url: str) -> Path | None:
        if not url.startswith(self._static_prefix):
            return None
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return None
        name = unquote(url[len(self._static_prefix) :])
        normalised = posixpath.normpath(name)
        if not name or normalised != name or normalised.startswith(("/", "..")) or "\\" in name:
            return None
        return _static_path(name)


@cache
def _static_path(name: str) -> Path | None:
    """The file behind a static name: the collected (hashed) file in production, the source
    file in development. Cached: the set of static files does not change while running."""
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
        found = finders.find(name)
    except (SuspiciousFileOperation, NotImplementedError):
        return None
    return Path(found) if found else None


@cache
def _style_digest() -> str:
    """Part of every cache key: a new stylesheet, font or WeasyPrint gives new PDFs."""
    digest = hashlib.sha256(weasyprint.__version__.encode())
    for name in (STYLESHEET, *(f"fonts/{font}" for font in FONT_FILES)):
        path = _static_path(name)
        digest.update(name.encode())
        digest.update(path.read_bytes() if path else b"missing")
    return digest.hexdigest()


def style_digest() -> str:
    return _style_digest()


STYLESHEET = "css/pdf.css"
FONT_FILES = (
    "SourceSans3-Regular.ttf",
    "SourceSans3-It.ttf",
    "SourceSans3-Semibold.ttf",
    "SourceSans3-Bold.ttf",
)


@dataclass(frozen=True)
class PdfAttachment:
    name: str
    content: bytes
    description: str
    modified: datetime.datetime


_per_thread = threading.local()


def _stylesheet() -> tuple[weasyprint.CSS, FontConfiguration]:
    """The parsed stylesheet and the fonts of its @font-face rules, once per thread: parsing
    and registering them again costs about 40 ms a document. Per thread because Pango's font
    map is not safe to share between threads."""
    if not hasattr(_per_thread, "stylesheet"):
        font_config = FontConfiguration()
        _per_thread.stylesheet = weasyprint.CSS(
            url=urljoin(PDF_BASE_URL, settings.STATIC_URL + STYLESHEET),
            url_fetcher=StaticFilesFetcher(),
            font_config=font_config,
        )
        _per_thread.font_config = font_config
    return _per_thread.stylesheet, _per_thread.font_config


@contextmanager
def _cyclic_gc_paused():
    """WeasyPrint makes hundreds of thousands of short-lived objects while it parses and lays
    out a document; with the cycle collector on, it walks the whole process's heap again and
    again, a quarter of the render time. The cycles it leaves are collected once it is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# zlib's level 6 rather than pydyf's 9 for every stream (pages, fonts, the attached data, the
# structure tree): a third of the time to compress, for a file about 3 % larger.
COMPRESSION_LEVEL = 6


def _stream_data(stream: pydyf.Stream) -> bytes:
    """What pydyf's `Stream.data` makes, compressed at COMPRESSION_LEVEL."""
    if not stream.compress:
        return pydyf.Stream.data.fget(stream)
    content = zlib.compress(
        b"\n".join(pydyf._to_bytes(item) for item in stream.stream), COMPRESSION_LEVEL
    )
    extra = pydyf.Dictionary({**stream.extra, "Filter": "/FlateDecode", "Length": len(content)})
    return b"\n".join((extra.data, b"stream", content, b"endstream"))


class _SerializedOnce(pydyf.Object):
    """A PDF object whose bytes are made on first use and then kept.

    pydyf serialises every object twice when the file has an identifier, as PDF/A requires:
    once into the file and once more for the identifier's digest, compressing each stream
    (page contents, fonts, the attached data) again. Kept, the second pass reuses the
    bytes and the file is the same, byte for byte."""

    def __init__(self, wrapped: pydyf.Object):
        super().__init__()
        self.number, self.generation = wrapped.number, wrapped.generation
        self._wrapped = wrapped
        self._compressible = wrapped.compressible
        self._data: bytes | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            wrapped = self._wrapped
            self._data = (
                _stream_data(wrapped) if isinstance(wrapped, pydyf.Stream) else wrapped.data
            )
        return self._data

    @property
    def compressible(self) -> bool:
        return self._compressible


class _WrittenStream(pydyf.Stream):
    """A stream pydyf makes while it writes the file (the object stream with the structure
    tree, the cross-reference stream): serialised once, at COMPRESSION_LEVEL."""

    @cached_property
    def data(self) -> bytes:
        return _stream_data(self)


class _ArchivalPDF(pydyf.PDF):
    """The document's PDF once it is finished (`_serialize_objects_once` sets the class):
    the streams pydyf adds while writing become _WrittenStreams. The object stream would
    otherwise be compressed twice at level 9, for the file and for the identifier."""

    def add_object(self, object_):
        if type(object_) is pydyf.Stream:
            object_.__class__ = _WrittenStream
        super().add_object(object_)


def _serialize_objects_once(document, pdf: pydyf.PDF) -> None:
    """WeasyPrint's finisher: the document's objects are complete, the file is written next."""
    pdf.objects[:] = [_SerializedOnce(obj) if obj.free == "n" else obj for obj in pdf.objects]
    pdf.__class__ = _ArchivalPDF


def render_pdf(
    html: str,
    *,
    attachments: Iterable[PdfAttachment] = (),
    url_fetcher: StaticFilesFetcher | None = None,
) -> bytes:
    """HTML to PDF/A-3b, tagged, with the attachments embedded as associated files, in the
    registry's stylesheet and fonts."""
    fetcher = url_fetcher or StaticFilesFetcher()
    stylesheet, font_config = _stylesheet()
    with _cyclic_gc_paused():
        document = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            finisher=_serialize_objects_once,
            attachments=[
                weasyprint.Attachment(
                    string=attachment.content,
                    name=attachment.name,
                    description=attachment.description,
                    created=attachment.modified,
                    modified=attachment.modified,
                    relationship="Data",
                    url_fetcher=fetcher,
                )
                for attachment in attachments
            ],
        )


def _cached_pdf_and_key(
    html: str, *, label: str, attachments: Iterable[PdfAttachment] = ()
) -> tuple[bytes, str]:
    attachments = list(attachments)
    digest = hashlib.sha256(_style_digest().encode())
    digest.update(html.encode())
    for attachment in attachments:
        digest.update(attachment.name.encode())
        digest.update(attachment.content)
    key = f"pdf:{label}:{digest.hexdigest()}"
    store = pdf_cache()
    pdf = store.get(key)
    if pdf is None:
        pdf = render_pdf(html, attachments=attachments)
        store.set(key, pdf)
    return pdf, key


def cached_pdf(html: str, *, label: str, attachments: Iterable[PdfAttachment] = ()) -> bytes:
    """The PDF of this HTML, from the cache when the same document was rendered before."""
    return _cached_pdf_and_key(html, label=label, attachments=attachments)[0]


# The templates' indentation before a block-level tag: it prints nothing, but WeasyPrint's
# HTML parser reads it character by character and builds a box for each run of it.
_SPACE_BEFORE_BLOCK = re.compile(
    r">\s+(?=</?(?:html|head|body|meta|title|section|nav|div|p|h[1-6]|ol|ul|li"
    r"|table|caption|thead|tbody|tfoot|tr|th|td)\b)"
)


def _render_html(template: str, context: dict) -> str:
    # The documents are Swedish whatever language the request asked the pages in.
    with translation.override("sv"):
        html = render_to_string(template, context)
    return _SPACE_BEFORE_BLOCK.sub(">", html)


# The agreement document --------------------------------------------------------------------


@dataclass
class Chapter:
    """One entry of the table of contents and the part of the document it points to."""

    id: str
    heading: str
    kind: str
    text: str = ""
    subentries: tuple[tuple[str, str], ...] = ()


@dataclass
class CommitmentGroup:
    heading: str
    commitments: list[Commitment]


@dataclass
class PartyCommitments:
    anchor: str
    party: Party
    groups: list[CommitmentGroup]


STANDARD_TEXT_SECTIONS = (
    ("background", "bakgrund", "Bakgrund"),
    ("purpose", "syfte", "Syfte"),
    ("target_group", "malgrupp", "Målgrupp"),
)
ROUTINE_SECTIONS = (
    ("organisation", "organisation", "Organisation"),
    ("followup_routine", "uppfoljning", "Rutin för uppföljning"),
    ("revision_routine", "revidering", "Rutin för revidering"),
    ("disagreement_handling", "oenighet", "Hantering av oenighet"),
    ("communication", "kommunikation", "Kommunikation och kontaktvägar"),
)


def _commitments_by_party(agreement: Agreement) -> list[PartyCommitments]:
    result = []
    for index, party in enumerate(agreement.parties.all(), start=1):
        commitments = list(party.commitments.all())
        if not commitments:
            continue
        groups: list[CommitmentGroup] = []
        for commitment in commitments:
            heading = commitment.heading.strip()
            if heading == party.organisation.name:
                heading = ""
            if groups and groups[-1].heading == heading:
                groups[-1].commitments.append(commitment)
            else:
                groups.append(CommitmentGroup(heading=heading, commitments=[commitment]))
        result.append(PartyCommitments(anchor=f"ataganden-{index}", party=party, groups=groups))
    return result


def _followup_rows(followup: FollowUp | None, by_party: list[PartyCommitments]):
    """Each commitment of the agreement with its status in the follow-up, party by party."""
    if followup is None:
        return []
    assessments = {a.commitment_id: a for a in followup.assessments.all()}
    rows = []
    for entry in by_party:
        commitments = [
            (commitment, assessments.get(commitment.pk))
            for group in entry.groups
            for commitment in group.commitments
        ]
        rows.append((entry.party, commitments))
    return rows


def _chapters(agreement: Agreement, by_party, followup, reception) -> list[Chapter]:
    chapters = []
    for field, anchor, heading in STANDARD_TEXT_SECTIONS:
        text = getattr(agreement, field)
        if text.strip():
            chapters.append(Chapter(anchor, heading, "text", text=text))
    chapters.append(Chapter("mal", "Mål", "goals"))
    chapters.append(Chapter("parter", "Parter och undertecknare", "parties"))
    chapters.append(
        Chapter(
            "ataganden",
            "Åtaganden",
            "commitments",
            subentries=tuple((entry.anchor, entry.party.organisation.name) for entry in by_party),
        )
    )
    for field, anchor, heading in ROUTINE_SECTIONS:
        text = getattr(agreement, field)
        if text.strip():
            chapters.append(Chapter(anchor, heading, "text", text=text))
    sections = list(agreement.sections.all())
    if sections:
        chapters.append(
            Chapter(
                "ovriga-avsnitt",
                "Övriga avsnitt",
                "sections",
                subentries=tuple(
                    (f"avsnitt-{index}", section.heading)
                    for index, section in enumerate(sections, start=1)
                ),
            )
        )
    if reception:
        chapters.append(Chapter("mottagande", "Mottagande", "reception"))
    if agreement.public_contacts:
        chapters.append(Chapter("kontaktpersoner", "Kontaktpersoner", "contacts"))
    heading = f"Senaste uppföljning ({followup.year})" if followup else "Senaste uppföljning"
    chapters.append(Chapter("senaste-uppfoljning", heading, "followup"))
    return chapters


def _validity(agreement: Agreement) -> str:
    with translation.override("sv"):
        start, end = agreement.valid_from_partial, agreement.valid_until_partial
        signed = agreement.signed_on_partial
        if start and end:
            return f"{start} – {end}"
        if start:
            return f"från {start}, tills vidare"
        if end:
            return f"till {end}; startdatum anges inte"
        if signed:
            return f"från undertecknandet {signed}, tills vidare"
    return "Giltighetstiden anges inte"


def _swedish_number(value: Decimal | None) -> str:
    """45 → "45", 50.50 → "50,5", 12000 → "12 000" (no-break space)."""
    if value is None:
        return ""
    text = format(value.normalize() if value != value.to_integral() else value.to_integral(), "f")
    whole, _, fraction = text.partition(".")
    whole = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{whole},{fraction}" if fraction else whole


def _with_number_displays(goals, followup):
    for goal in goals:
        goal.baseline_display = _swedish_number(goal.baseline_value)
        goal.target_display = _swedish_number(goal.target_value)
    if followup is not None:
        for outcome in followup.goal_outcomes.all():
            outcome.value_display = _swedish_number(outcome.value)
    return goals


def _swedish_date(value: datetime.date) -> str:
    with translation.override("sv"):
        return date_format(value, "j F Y")


def agreement_document_context(
    agreement: Agreement, *, followup: FollowUp | None, today: datetime.date
) -> dict:
    by_party = _commitments_by_party(agreement)
    reception = reception_years(agreement.reception_figures.all())
    level = Level(agreement.level).label
    place = (
        str(agreement.county)
        if agreement.level == Level.REGIONAL
        else ", ".join(m.name for m in agreement.municipalities.all())
        if agreement.level == Level.LOCAL
        else "Hela Sverige"
    )
    version = f"version {agreement.version_number}"
    if agreement.version_label:
        version += f" ({agreement.version_label})"
    authors = [party.organisation.name for party in agreement.parties.all()] or [
        "Samverkansregistret"
    ]
    subject = f"{level} överenskommelse om samverkan för nyanländas etablering – {place}, {version}"
    return {
        "agreement": agreement,
        "today": today,
        "place": place,
        "validity": _validity(agreement),
        "chapters": _chapters(agreement, by_party, followup, reception),
        "reception": reception,
        "commitments_by_party": by_party,
        "followup": followup,
        "followup_rows": _followup_rows(followup, by_party),
        "goals": _with_number_displays(list(agreement.goals.all()), followup),
        "parties": list(agreement.parties.all()),
        "sections": [
            (f"avsnitt-{index}", section)
            for index, section in enumerate(agreement.sections.all(), start=1)
        ],
        "has_newer_version": (agreement.newest_published_number or 0) > agreement.version_number,
        "is_draft": not agreement.is_published,
        "meta": {
            "title": agreement.title,
            "short_title": agreement.alias or agreement.title,
            "authors": authors,
            "subject": subject,
            "keywords": [theme.name for theme in agreement.themes.all()],
            "modified": agreement.updated_at,
        },
    }


def agreement_data(agreement: Agreement, followup: FollowUp | None) -> dict:
    """The agreement as data, embedded in its PDF: the agreement document
    (agreements/document.py) without unpublished personal data, and the follow-up printed.
    `agreement` as `agreement_get_for_pdf` read it, which holds the document's rows."""
    return {
        "format": DATA_FORMAT,
        **agreement_document_dump(agreement=agreement, public=True, stored=agreement),
        "latest_followup": (
            {
                "year": followup.year,
                "held_on": followup.held_on,
                "summary": followup.summary,
                "conclusions": followup.conclusions,
                "revision_recommended": followup.revision_recommended,
                "assessments": [
                    {
                        "party": a.commitment.party.organisation.slug,
                        "commitment": a.commitment.heading or a.commitment.text[:80],
                        "status": a.status,
                        "comment": a.comment,
                    }
                    for a in followup.assessments.all()
                ],
            }
            if followup
            else None
        ),
    }


def agreement_filename(agreement: Agreement, extension: str = "pdf") -> str:
    return f"{agreement.lineage.slug}-version-{agreement.version_number}.{extension}"


def agreement_pdf(agreement: Agreement, *, today: datetime.date | None = None) -> bytes:
    """The PDF of one agreement version (fetched with `agreement_get_for_pdf`)."""
    return _agreement_pdf_and_key(agreement, today=today or timezone.localdate())[0]


@dataclass(frozen=True)
class PrintedAgreement:
    content: bytes
    filename: str
    is_published: bool


def agreement_pdf_get(
    *, slug: str, number: int | None = None, user=None, today: datetime.date | None = None
) -> PrintedAgreement:
    """The PDF of an agreement version as `agreement_get_for_pdf` chooses it, through the fast
    path when it was printed before today with nothing changed since.
    Raises Agreement.DoesNotExist like `agreement_get_for_pdf`."""
    today = today or timezone.localdate()
    stamp = agreement_version_stamp(slug=slug, number=number, user=user)
    agreement_generation, all_generation = generations(stamp.pk)
    fast_key = (
        f"pdf:fast:{stamp.pk}:{stamp.version_number}:{stamp.updated_at.timestamp()}:"
        f"{agreement_generation}:{all_generation}:{today.isoformat()}:{_style_digest()[:16]}"
    )
    filename = f"{slug}-version-{stamp.version_number}.pdf"
    store = pdf_cache()
    digest_key = store.get(fast_key)
    content = store.get(digest_key) if digest_key else None
    if content is None:
        agreement = agreement_get_for_pdf(slug=slug, number=stamp.version_number, user=user)
        content, digest_key = _agreement_pdf_and_key(agreement, today=today)
        store.set(fast_key, digest_key, timeout=FAST_PATH_SECONDS)
    return PrintedAgreement(content=content, filename=filename, is_published=stamp.is_published)


def _agreement_pdf_and_key(agreement: Agreement, *, today: datetime.date) -> tuple[bytes, str]:
    followup = followup_latest_for(agreement)
    html = _render_html(
        "pdf/agreement.html", agreement_document_context(agreement, followup=followup, today=today)
    )
    data = json.dumps(
        agreement_data(agreement, followup), ensure_ascii=False, indent=2, cls=DjangoJSONEncoder
    )
    attachment = PdfAttachment(
        name=agreement_filename(agreement, "json"),
        content=data.encode(),
        description=f"Överenskommelsen som data (JSON): {agreement.title}",
        modified=agreement.updated_at,
    )
    return _cached_pdf_and_key(
        html,
        label=f"{agreement.lineage.slug}:{agreement.version_number}",
        attachments=[attachment],
    )


# Reports -----------------------------------------------------------------------------------


def status_labels() -> dict[str, str]:
    return dict(AssessmentStatus.choices)


def county_report_pdf(report: CountyReport, *, today: datetime.date | None = None) -> bytes:
    today = today or timezone.localdate()
    html = _render_html(
        "pdf/county_report.html",
        {
            "report": report,
            "today": today,
            "meta": {
                "title": f"Länsrapport: {report.county.name}",
                "short_title": f"Länsrapport {report.county.name}, {_swedish_date(report.on)}",
                "authors": ["Samverkansregistret"],
                "subject": "Överenskommelser om samverkan för nyanländas etablering i "
                f"{report.county.name} som gäller {_swedish_date(report.on)}: "
                "kommunernas täckning och uppföljning",
                "keywords": [report.county.name, "länsrapport", "samverkansöverenskommelser"],
                "modified": None,
            },
        },
    )
    return cached_pdf(
        html, label=f"lan-{report.county.slug}:{report.on.isoformat()}:{report.choice.boundaries}"
    )


def national_report_pdf(report: NationalReport, *, today: datetime.date | None = None) -> bytes:
    today = today or timezone.localdate()
    html = _render_html(
        "pdf/national_report.html",
        {
            "report": report,
            "today": today,
            "meta": {
                "title": "Nationell rapport: samverkansöverenskommelser i Sverige",
                "short_title": f"Nationell rapport, {_swedish_date(report.on)}",
                "authors": ["Samverkansregistret"],
                "subject": "Centrala, regionala och lokala överenskommelser om samverkan för "
                f"nyanländas etablering som gäller {_swedish_date(report.on)}, län för län",
                "keywords": ["nationell rapport", "samverkansöverenskommelser"],
                "modified": None,
            },
        },
    )
    return cached_pdf(html, label=f"riket:{report.on.isoformat()}:{report.choice.boundaries}")


# Bulk ---------------------------------------------------------------------------------------


def _one_pdf(slug: str, number: int, today: datetime.date) -> Iterator[bytes]:
    # A generator: zipstream-ng iterates it only when it writes this entry, so each PDF is
    # fetched and rendered while the archive streams, one at a time.
    yield agreement_pdf_get(slug=slug, number=number, today=today).content


def agreements_zip(agreements: Iterable[Agreement], *, today: datetime.date | None = None):
    """A streamed ZIP archive with the PDF of every (published) agreement given.

    PDFs are stored, not deflated: they are compressed already."""
    today = today or timezone.localdate()
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_STORED)
    for agreement in agreements:
        archive.add(
            _one_pdf(agreement.lineage.slug, agreement.version_number, today),
            agreement_filename(agreement),
        )
    return archive


def zip_filename(description: str) -> str:
    return f"overenskommelser-{slugify(description)[:60] or 'urval'}.zip"
