"""Plain text with encoding detection; binary junk with a .txt name is refused."""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from corpus.errors import LoadError

log = logging.getLogger(__name__)

# Control characters other than tab/newline/CR/FF, C1 controls and the replacement
# character: text has almost none, binary data decoded as text has many.
_JUNK = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_SAMPLE = 200_000  # chars looked at for the junk ratio; enough to judge, cheap on 50 MB
MAX_JUNK_RATIO = 0.02

# Encodings a Dutch text file realistically comes in, besides UTF-8. charset-normalizer
# is only asked to choose among these: left free it calls cp1252 text "cp1250" or
# "mac_roman" now and then, which turns ë/ï into other letters.
_CANDIDATES = ["cp1252", "latin_1", "iso8859_15", "utf_16", "cp850"]


def decode_bytes(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding) for the bytes of a text file, or LoadError if they are not text."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                break
    if b"\x00" in data[:65536] or b"\x00" in data[-4096:]:
        raise LoadError(path, "binary data (NUL bytes), not text", "check that this really is a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    enc = best.encoding if best is not None else "cp1252"
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        # latin-1 maps every byte; the junk check below still catches binary data.
        return data.decode("latin-1"), "latin-1"


def check_text(path: Path, text: str) -> None:
    sample = text[:_SAMPLE]
    if sample and len(_JUNK.findall(sample)) / len(sample) > MAX_JUNK_RATIO:
        raise LoadError(path, "looks like binary data (too many control characters)", "check that this is a text file")


def load_txt(path: Path, data: bytes, fmt: str) -> tuple[str, None, dict, str]:
    text, enc = decode_bytes(path, data)
    check_text(path, text)
    if enc not in ("utf-8", "utf-8-sig"):
        log.info("%s: decoded as %s", path.name, enc)
    # Form feeds are kept: pdftotext puts one between pages, the pipeline may use them.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None, {}, fmt
