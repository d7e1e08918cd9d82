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
from dataclasses import dataclass
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


def path_text(path: Path | str) -> str:
    """A path as storable, printable text. File names are bytes on Linux: bytes that are not
    UTF-8 (Python keeps them as lone surrogates) become `\\xNN` escapes, so such a file can be
    stored, listed and cited like any other."""
    s = os.fspath(path)
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return os.fsencode(s).decode("utf-8", "backslashreplace")


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def discover(paths: Iterable[Path | str], *, follow_symlinks: bool = False,
             skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Every candidate file under `paths`, walked recursively, in a stable order.

    Hidden files and folders, Office lock files and sidecars are left out of folder
    walks; files named explicitly are always included. Files with an unknown
    extension ARE returned: the ingest reports them as skipped, with the reason.
    Raises FileNotFoundError for a path that does not exist.

    Symbolic links, files and folders alike, are followed only when they point inside
    the folder being ingested (a path given explicitly is followed: it was asked for),
    unless `follow_symlinks`; a link pointing outside is left out with a reason, added
    to `skipped` and logged. A file reached twice (through a link, or a loop of links)
    is returned once. A broken link is returned, for the ingest to report.
    """
    out: list[Path] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.realpath(p) if os.path.exists(p) else str(p.absolute())
        if key not in seen:
            seen.add(key)
            out.append(p.absolute())

    def skip(p: Path, target: Path, root: Path) -> None:
        reason = (f"symbolic link to {path_text(target)}, outside the ingested folder {path_text(root)}; "
                  f"not followed (pass --follow-symlinks to ingest what it points to)")
        log.info("skipped %s: %s", path_text(p), reason)
        if skipped is not None:
            skipped.append((p.absolute(), reason))

    def walk(folder: Path, root: Path, visited: set[str], links: list[Path] | None) -> None:
        """Walk `folder`; with a `links` list, collect allowed links there instead of following
        them (pass 1: every real file claims its own name first), else follow them (pass 2)."""
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot read folder %s (%s); skipped", path_text(folder), exc.strerror or exc)
            return
        dirs: list[Path] = []
        for entry in entries:
            name = entry.name
            if _ignored(name):
                continue
            p = Path(entry.path)
            if entry.is_symlink():
                target = Path(os.path.realpath(p))
                if target.exists() and not follow_symlinks and not _inside(target, root):
                    skip(p, target, root)
                    continue
                if links is not None and target.exists():
                    links.append(p)
                    continue
            try:
                is_dir = entry.is_dir()  # follows a link: its target was allowed above
            except OSError:
                is_dir = False
            if is_dir:
                dirs.append(p)
            elif not name.endswith(SIDECAR_SUFFIX):
                add(p)
        for d in dirs:
            real = os.path.realpath(d)
            if real in visited:  # a loop of links, or a folder already walked under another name
                continue
            visited.add(real)
            walk(d, root, visited, links)

    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists() and not path.is_symlink():
            raise FileNotFoundError(f"{path_text(path)}: no such file or folder")
        if path.is_dir():
            root = Path(os.path.realpath(path))
            visited = {str(root)}
            links: list[Path] = []
            walk(path, root, visited, links)
            for link in links:  # pass 2: what the allowed links add (nothing already found)
                if link.is_dir():
                    real = os.path.realpath(link)
                    if real not in visited:
                        visited.add(real)
                        walk(link, root, visited, None)
                elif not link.name.endswith(SIDECAR_SUFFIX):
                    add(link)
        else:
            add(path)
    return out


def doc_id_for(path: Path) -> str:
    """DESIGN.md: the doc_id is the file name without its extension (non-UTF-8 bytes as `\\xNN`)."""
    name = path_text(path.name)
    suffix = Path(name).suffix
    return name[: -len(suffix)] if suffix else name


def sidecar_for(path: Path) -> Path | None:
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name  # the raw name, not doc_id_for's text
    for cand in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(stem + SIDECAR_SUFFIX)):
        try:
            if cand.is_file():
                return cand
        except (OSError, ValueError):  # a 250-byte name plus ".meta.json" is too long to exist
            continue
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


@dataclass(frozen=True)
class Limits:
    """What a loader may produce, checked while reading (not after): text characters, and
    bytes of markup unpacked from a container (.docx) or parsed (.html/.xml)."""

    max_chars: int = 10 * 2**20
    max_unpacked: int = 100 * 2**20


def too_much(path: Path, what: str, limit: int, setting: str, value: float) -> LoadError:
    return LoadError(
        path,
        f"{what}: over the limit {setting}={value:g}, so the rest was not read",
        f"raise {setting} (GRIFFIER_{setting.upper()} or griffier.toml) if the file is genuine",
    )


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
    limits = Limits(max_chars=int(settings.max_text_mb * 1024 * 1024),
                    max_unpacked=int(settings.max_unpacked_mb * 1024 * 1024))
    if fmt == "txt":
        from corpus.loaders.txt import load_txt

        text, pages, metadata, fmt = load_txt(path, data, fmt)
    elif fmt == "pdf":
        from corpus.loaders.pdf import load_pdf

        text, pages, metadata, fmt = load_pdf(path, data, fmt, limits=limits)
    elif fmt == "docx":
        from corpus.loaders.docx import load_docx

        text, pages, metadata, fmt = load_docx(path, data, fmt, limits=limits)
    else:
        from corpus.loaders.markup import load_markup

        text, pages, metadata, fmt = load_markup(path, data, fmt, limits=limits)
    if not text.strip():
        raise LoadError(path, "no text found in the file", "check that it is not empty or image-only")
    if len(text) > settings.max_text_mb * 1024 * 1024:  # chars, close enough to bytes for the limit
        raise _too_much_text(path, len(text), settings)
    sidecar, _ = read_sidecar(path)
    metadata.update(sidecar)  # the sidecar wins: it is what the user told us
    return RawDocument(doc_id_for(path), path_text(path), text, fmt, pages, metadata)


__all__ = [
    "EXTENSIONS",
    "LOADER_VERSION",
    "SIDECAR_SUFFIX",
    "Limits",
    "LoadError",
    "check_file",
    "discover",
    "doc_id_for",
    "is_sidecar",
    "load_file",
    "path_text",
    "read_bytes",
    "read_sidecar",
    "sidecar_for",
]
