"""Attached PDFs: checked by their content, and their text extracted for search (pypdf)."""

import logging

from django.core.exceptions import ValidationError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

logger = logging.getLogger(__name__)


def _reader(file) -> PdfReader:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    try:
        reader = PdfReader(file)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                "PDF-filen är lösenordsskyddad. Spara den utan lösenord och ladda upp den igen.",
                code="pdf_encrypted",
            )
        if len(reader.pages) == 0:
            raise ValidationError("PDF-filen har inga sidor.", code="pdf_empty")
        return reader
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        logger.info("Unreadable PDF: %s", error)
        raise ValidationError(
            "Filen ser ut som en PDF men går inte att läsa; den kan vara skadad. "
            "Spara om den som PDF och ladda upp den igen.",
            code="pdf_unreadable",
        ) from None
    finally:
        file.seek(position)


def pdf_check_readable(file) -> None:
    """Raises a Swedish ValidationError unless pypdf can open the file and it has pages."""
    _reader(file)


def pdf_extract_text(file) -> str:
    """The text of every page, pages separated by a blank line. A page pypdf cannot read
    contributes nothing rather than failing the upload: the file itself is still valid."""
    reader = _reader(file)
    pages = []
    for page in reader.pages:
        try:
            pages.append((page.extract_text() or "").strip())
        except Exception as error:  # pypdf raises many kinds on odd pages
            logger.info("Could not extract text from a page: %s", error)
    return "\n\n".join(text for text in pages if text)
