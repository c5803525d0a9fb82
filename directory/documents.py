"""What an uploaded document must be before it is stored: a PDF by its content (its first bytes
are `%PDF-` and pypdf opens it, unencrypted, with pages), no larger than
DIRECTORY_UPLOAD_MAX_BYTES, and passed by the virus-scan hook DIRECTORY_VIRUS_SCAN.

The hook is a dotted path to a callable taking the file's bytes and returning None when it is
clean or, when it is not, the reason (shown to the uploader). A hook that fails is a refusal
too: an upload nobody could scan is not stored. Deployments point it at their scanner (ClamAV's
clamd, a cloud scanning API); the default passes everything.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.utils.module_loading import import_string

from dualcare.exceptions import ApplicationError

PDF_MAGIC = b"%PDF-"
# A pack's PDF holds every page of its documents: keep each one a handout, not a book.
MAX_DOCUMENT_PAGES = 40

logger = logging.getLogger(__name__)


def scan_nothing(content: bytes) -> str | None:
    """The default hook: no scanner configured, so every file passes."""
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def document_check(content: bytes) -> int:
    """The number of pages of an acceptable upload; ApplicationError (on `file`) saying why not."""
    limit = settings.DIRECTORY_UPLOAD_MAX_BYTES
    if not content:
        raise ApplicationError("The file is empty. Choose a PDF file.", field="file")
    if len(content) > limit:
        raise ApplicationError(f"The file must be {_megabytes(limit)} or smaller.", field="file")
    if not content.startswith(PDF_MAGIC):
        raise ApplicationError("The file must be a PDF. This file is not a PDF.", field="file")
    pages = _page_count(content)
    if pages > MAX_DOCUMENT_PAGES:
        raise ApplicationError(f"The PDF must have {MAX_DOCUMENT_PAGES} pages or fewer.", field="file")
    verdict = _scan(content)
    if verdict:
        raise ApplicationError(f"The file was refused by the virus check: {verdict}", field="file")
    return pages


def _page_count(content: bytes) -> int:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise ApplicationError(
                "The PDF is protected by a password. Upload a copy without one.", field="file"
            )
        pages = len(reader.pages)
    except ApplicationError:
        raise
    except Exception:  # pypdf raises many kinds on a damaged file; all mean the same to the uploader
        raise ApplicationError("The PDF could not be opened. It may be damaged.", field="file") from None
    if pages < 1:
        raise ApplicationError("The PDF has no pages.", field="file")
    return pages


def _scan(content: bytes) -> str | None:
    try:
        verdict = import_string(settings.DIRECTORY_VIRUS_SCAN)(content)
    except Exception:
        # The scanner's failure, never the file's contents, goes to the log.
        logger.exception("The virus-scan hook failed; the upload is refused")
        return "it could not be checked just now. Try again later."
    return str(verdict) if verdict else None
