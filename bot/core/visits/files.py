"""Files kept with a visit: photos, the programme, the protocol. Telegram keeps the bytes; the register
keeps the file id (to send the file back with sendDocument / sendPhoto), its name, type and size.

What may be attached, decided here from what the message says about the file (no download):

- a document up to MAX_DOCUMENT_BYTES (20 MB: the most a bot can fetch with getFile, so every kept file
  can still be downloaded for a backup or an export), of a known office, text or image type;
- a photo up to MAX_PHOTO_BYTES (10 MB: the most sendPhoto takes);
- not a file forwarded from a channel: its owner can delete or change it, and the register would keep
  a file nobody in the office sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.core.typed_text import control_character, is_blank
from bot.core.visits.record import VisitInputError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_FILES = 50  # per visit: the card lists them, /files sends them one by one
MAX_FILE_NAME = 200

# office documents, text and images by extension (what staff attach: programmes, protocols, photos)
DOCUMENT_EXTENSIONS = frozenset(
    {
        "pdf", "doc", "docx", "odt", "rtf", "txt", "xls", "xlsx", "ods", "csv", "ppt", "pptx", "odp",
        "jpg", "jpeg", "png", "heic", "webp", "tif", "tiff",
    }
)  # fmt: skip
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/rtf",
        "text/rtf",
        "text/plain",
        "text/csv",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/webp",
        "image/tiff",
    }
)


class FileKind(Enum):
    DOCUMENT = "document"
    PHOTO = "photo"


@dataclass(frozen=True, slots=True)
class FileOffer:
    """What a message offers to attach, as Telegram describes it (nothing downloaded)."""

    kind: FileKind | None  # None: a video, a voice message, a sticker ... (not kept)
    file_id: str = ""
    file_unique_id: str = ""
    name: str = ""
    mime: str = ""
    size: int | None = None
    from_channel: bool = False


@dataclass(frozen=True, slots=True)
class VisitFile:
    """A file kept with a visit; `number` is its place on the card (1, 2, ...)."""

    id: int
    visit_id: int
    kind: FileKind
    file_id: str
    name: str
    mime: str
    size: int | None
    added_by: int
    added_at: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def clean_name(name: str, kind: FileKind, fallback: str) -> str:
    """The name to show and send back: control characters out, at most MAX_FILE_NAME characters."""
    name = "".join(char for char in name if control_character(char) is None).strip()
    if is_blank(name):
        name = fallback if kind is FileKind.PHOTO else fallback + ".bin"
    if len(name) > MAX_FILE_NAME:
        extension = _extension(name)
        keep = MAX_FILE_NAME - len(extension) - 2
        name = name[:keep] + ("…." + extension if extension else "…")
    return name


def check_offer(offer: FileOffer) -> None:
    """Raises VisitInputError (field "file") with the reason a file cannot be kept."""
    if offer.from_channel:
        raise VisitInputError.one("file", "file_from_channel")
    if offer.kind is None or not offer.file_id:
        raise VisitInputError.one("file", "file_type")
    if offer.kind is FileKind.PHOTO:
        if offer.size is not None and offer.size > MAX_PHOTO_BYTES:
            raise VisitInputError.one("file", "file_too_big", limit_mb=MAX_PHOTO_BYTES // (1024 * 1024))
        return
    if offer.size is not None and offer.size > MAX_DOCUMENT_BYTES:
        raise VisitInputError.one("file", "file_too_big", limit_mb=MAX_DOCUMENT_BYTES // (1024 * 1024))
    known = offer.mime.lower() in DOCUMENT_TYPES or _extension(offer.name) in DOCUMENT_EXTENSIONS
    if not known:
        raise VisitInputError.one("file", "file_type")
