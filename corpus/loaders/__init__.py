"""Loaders: files on disk -> `RawDocument` (text as found, before cleaning).

Supported: .txt (encoding detected), .pdf (text layer, one text per real page),
.docx, and the official XML/HTML of published Kamerstukken (.xml, .html, .htm).

Sidecar metadata: a JSON object in `<file>.meta.json` (e.g. `kst-26150-187.pdf.meta.json`)
or `<stem>.meta.json` beside the file overrides the metadata the loader detected, key by
key. Use the pipeline's keys (corpus/structure.py), e.g. `{"dossier": "26 150",
"ondernummer": "187", "vergaderjaar": "2020/21", "kamer": "II", "date": "2021-03-04",
"title": "...", "doc_type": "brief"}`; they feed the citation string.
Sidecars are never loaded as documents themselves, and editing one re-processes its file.

Every problem with a file is a `LoadError` with a one-line reason and fix; the ingest
reports it and goes on with the other files.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from corpus.errors import LoadError
from corpus.models import RawDocument
from corpus.settings import Settings

log = logging.getLogger(__name__)

# Bump when a loader's output changes, so the ingest re-processes files it saw before.
LOADER_VERSION = "1"

SIDECAR_SUFFIX = ".meta.json"

# extension -> source_format
EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".pdf": "pdf",
    ".docx": "docx",
    ".xml": "xml",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}

_HINTS = {
    ".doc": "save it as .docx or PDF",
    ".odt": "save it as .docx or PDF",
    ".rtf": "save it as .docx or PDF",
    ".md": "rename it to .txt if it is plain text",
}


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)


def _ignored(name: str) -> bool:
    # Hidden files and Office lock files ("~$brief.docx") are never documents.
    return name.startswith((".", "~$"))


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """Every candidate file under `paths`, walked recursively, in a stable order.

    Hidden files and folders, Office lock files and sidecars are left out of folder
    walks; files named explicitly are always included. Files with an unknown
    extension ARE returned: the ingest reports them as skipped, with the reason.
    Raises FileNotFoundError for a path that does not exist.
    """
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.absolute()
        if key not in seen:
            seen.add(key)
            out.append(key)

    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists() and not path.is_symlink():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _ignored(d))
                for name in sorted(files):
                    if not _ignored(name) and not name.endswith(SIDECAR_SUFFIX):
                        add(Path(root) / name)
        else:
            add(path)
    return out


def doc_id_for(path: Path) -> str:
    """DESIGN.md: the doc_id is the file name without its extension."""
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def sidecar_for(path: Path) -> Path | None:
    for cand in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(doc_id_for(path) + SIDECAR_SUFFIX)):
        if cand.is_file():
            return cand
    return None


def check_file(path: Path, settings: Settings) -> int:
    """Cheap checks before reading: known extension, a regular file, not too big.

    Returns the size in bytes; raises LoadError with the reason otherwise.
    """
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        known = " ".join(sorted(set(EXTENSIONS)))
        fix = _HINTS.get(ext, f"supported: {known}; convert it or leave it out")
        raise LoadError(path, f"unknown file type {ext or '(no extension)'!r}", fix)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LoadError(path, "cannot read: the file vanished or is a broken link", "fix or remove the link") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read ({exc.strerror or exc})", "check the file's permissions") from None
    if not stat.S_ISREG(st.st_mode):
        # Never open a FIFO or device: reading it could block forever.
        raise LoadError(path, "not a regular file (pipe, socket or device)", "point Griffier at real files")
    limit = settings.max_file_mb * 1024 * 1024
    if st.st_size > limit:
        raise LoadError(
            path,
            f"file is {st.st_size / 2**20:.1f} MB, above max_file_mb={settings.max_file_mb:g}",
            "raise max_file_mb (GRIFFIER_MAX_FILE_MB or griffier.toml) to ingest it",
        )
    text_limit = settings.max_text_mb * 1024 * 1024
    if EXTENSIONS[ext] == "txt" and st.st_size > text_limit:
        raise _too_much_text(path, st.st_size, settings)
    return st.st_size


def _too_much_text(path: Path, n: int, settings: Settings) -> LoadError:
    return LoadError(
        path,
        f"{n / 2**20:.1f} MB of text, above max_text_mb={settings.max_text_mb:g} (indexing it would take hours)",
        "raise max_text_mb (GRIFFIER_MAX_TEXT_MB or griffier.toml) to ingest it anyway",
    )


def read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except PermissionError:
        raise LoadError(path, "permission denied", "make the file readable (chmod a+r) or leave it out") from None
    except FileNotFoundError:
        raise LoadError(path, "cannot read: the file vanished or is a broken link", "fix or remove the link") from None
    except IsADirectoryError:
        raise LoadError(path, "is a folder, not a file", "pass the folder itself to walk it") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read ({exc.strerror or exc})", "check the file and the disk") from None


def read_sidecar(path: Path) -> tuple[dict, bytes]:
    """The sidecar's metadata and raw bytes (for the fingerprint); empty when none."""
    side = sidecar_for(path)
    if side is None:
        return {}, b""
    data = read_bytes(side)
    try:
        meta = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LoadError(path, f"sidecar {side.name} is not valid JSON ({exc})", "fix or remove the sidecar") from None
    if not isinstance(meta, dict):
        raise LoadError(path, f"sidecar {side.name} must hold a JSON object", "fix or remove the sidecar")
    return meta, data


def load_file(path: Path | str, settings: Settings, data: bytes | None = None) -> RawDocument:
    """Load one file. `data` may pass the bytes already read (the ingest hashes them first)."""
    path = Path(path).absolute()
    check_file(path, settings)
    if data is None:
        data = read_bytes(path)
    if not data.strip():
        raise LoadError(path, "empty file", "remove it or fill it")
    fmt = EXTENSIONS[path.suffix.lower()]
    if fmt == "txt":
        from corpus.loaders.txt import load_txt as loader
    elif fmt == "pdf":
        from corpus.loaders.pdf import load_pdf as loader
    elif fmt == "docx":
        from corpus.loaders.docx import load_docx as loader
    else:
        from corpus.loaders.markup import load_markup as loader
    text, pages, metadata, fmt = loader(path, data, fmt)
    if not text.strip():
        raise LoadError(path, "no text found in the file", "check that it is not empty or image-only")
    if len(text) > settings.max_text_mb * 1024 * 1024:  # chars, close enough to bytes for the limit
        raise _too_much_text(path, len(text), settings)
    sidecar, _ = read_sidecar(path)
    metadata.update(sidecar)  # the sidecar wins: it is what the user told us
    return RawDocument(doc_id_for(path), str(path), text, fmt, pages, metadata)


__all__ = [
    "EXTENSIONS",
    "LOADER_VERSION",
    "SIDECAR_SUFFIX",
    "LoadError",
    "check_file",
    "discover",
    "doc_id_for",
    "is_sidecar",
    "load_file",
    "read_bytes",
    "read_sidecar",
    "sidecar_for",
]
