"""Bytes of a stored page -> text: UTF-8 (with or without BOM), UTF-16 with BOM, else whatever
charset-normalizer can show the bytes to be. Binary files are refused before any guessing, because a
detector will happily "decode" a PNG as some 8-bit code page."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from bot.ingest.errors import RejectedFile

_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"SQLite format 3", "SQLite database"),
)
_SNIFF = 8192
# Control characters other than tab/newline/carriage return/form feed: text has next to none.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
MAX_CONTROL_RATIO = 0.01
_DETECT_BYTES = 1 << 20
_LATIN_FAMILIES = (
    "cp1250",
    "cp1254",
    "cp1257",
    "cp437",
    "cp775",
    "cp850",
    "cp852",
    "latin",
    "mac_latin2",
    "mac_iceland",
    "mac_roman",
    "iso8859_2",
    "iso8859_3",
    "iso8859_4",
    "iso8859_9",
    "iso8859_1",
    "iso8859_15",
    "iso8859_16",
)
WESTERN_CHAOS_MARGIN = 0.2


def _binary_kind(head: bytes) -> str | None:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if b"\x00" in head:
        return "binary data (NUL bytes)"
    return None


def _check_text(text: str) -> str:
    sample = text[:_SNIFF]
    if _CONTROL.search(sample) is None:
        return text  # the common case, without a Python loop over the characters
    controls = len(_CONTROL.findall(sample))
    if sample and controls / len(sample) > MAX_CONTROL_RATIO:
        raise RejectedFile("binary file: too many control characters for text")
    return text


def _detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's pick, except that on short Latin-script text it often names a Central or
    Baltic code page where Windows-1252 reads just as well; Western pages being by far the most common,
    cp1252 wins such near-ties."""
    matches = list(from_bytes(data[:_DETECT_BYTES]))
    if not matches:
        return None
    best = matches[0]
    if best.encoding != "cp1252" and best.encoding.startswith(_LATIN_FAMILIES):
        for match in matches[1:]:
            if match.encoding == "cp1252" and match.chaos <= best.chaos + WESTERN_CHAOS_MARGIN:
                return "cp1252"
    return str(best.encoding)


def decode_bytes(data: bytes) -> str:
    """The text of a stored page, or RejectedFile saying why there is none."""
    if not data.strip():
        raise RejectedFile("empty file")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise RejectedFile(
                    f"invalid {encoding} text after its byte-order mark: {exc.reason}"
                ) from None
    kind = _binary_kind(data[:_SNIFF])
    if kind is not None:
        raise RejectedFile(f"binary file: {kind}")
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    detected = _detect_encoding(data)
    if detected is None:
        raise RejectedFile("not UTF-8 and no other text encoding could be detected")
    try:
        text = data.decode(detected)
    except (UnicodeDecodeError, LookupError):
        raise RejectedFile(f"not UTF-8, and not valid {detected} either") from None
    return _check_text(text)
