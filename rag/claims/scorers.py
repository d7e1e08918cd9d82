"""The claim scorers and how a spec string picks one.

- "offline" (default): fact-level checks (rag.claims.features) combined by a small
  logistic regression (rag.claims.model); names the fact that failed.
- "overlap": share of claim content words found in the context (a baseline).
- "llm" or "llm:<backend>": RAGAS-style verdict from any LangChain chat model.
- "nli:<cross-encoder>": a sentence-transformers NLI cross-encoder the user has.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rag import claim_text as ct

log = logging.getLogger(__name__)


@dataclass
class ClaimVerdict:
    supported: bool
    score: float  # support probability-like score in [0, 1]
    reasons: list[str] = field(default_factory=list)
    failed_fact: str | None = None  # the claim words the context does not support, when not supported
    facts: list[dict] = field(
        default_factory=list
    )  # per-fact breakdown (kind, text, supported, support, ...)

    def to_dict(self) -> dict:
        return {
            "supported": self.supported,
            "score": round(float(self.score), 4),
            "reasons": list(self.reasons),
            "failed_fact": self.failed_fact,
            "facts": list(self.facts),
        }


# A source label in front of a quoted answer part ("Kabinet (antwoord 56): ..."): like a [n]
# marker it says where the words come from, it is not part of the claim.
_SOURCE_LABEL = re.compile(
    r"^\s*[\w'’\- ]{1,40}\((?:antwoord|vraag|nr\.?|p\.?)\s*\d+\)\s*:\s*", re.IGNORECASE
)


def clean_claim(claim: str) -> str:
    """The claim without citation markers and a leading source label."""
    return _SOURCE_LABEL.sub("", ct.strip_citations(claim or "")).strip()


# Clause connectives that start a separate fact ("…, en het kabinet besloot…").
_CLAUSE_SPLIT = re.compile(
    r"(?:;\s+|,\s+(?:en|maar|terwijl|waarna|waarbij)\s+(?=(?:het|de|deze|dit|die|zij|hij|ze|[A-Z]\w*)\b))"
)


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


# Which feature speaks for which kind of fact: the failed fact named in a verdict is
# the failing fact whose features pulled the score down the most.
_KIND_FEATURES = {
    "number": ("num_fail", "num_weak"),
    "date": ("date_fail",),
    "name": ("name_fail", "name_out_win"),
    "negation": ("neg_added", "neg_dropped", "wel_added"),
    "modality": ("firm_added", "hedge_dropped", "hedge_added", "quant_changed"),
    "roles": ("role_inv", "local_inv", "agent_swap", "speaker_clash"),
    "content": ("miss_n", "miss_rare", "miss_run", "cov_ctx", "cov_win"),
}
# Checks whose failure alone makes a claim unsupported, whatever the similarity says ("a claim
# is supported when all its facts are"). The trained model file names its own list, chosen by
# cross-validation; this is the default for hand-set weights.
HARD_CHECKS = ("num_fail", "date_fail", "name_fail")
# A claim of a checkable fact and at most this many other content words is a short answer.
_SHORT_ANSWER_WORDS = 2


class OfflineScorer(_Base):
    """Fact-level checks + whole-claim similarity, combined by a small fitted model."""

    name = "offline"

    def __init__(self, model_path: Path | None = None, use_embeddings: bool = True, model=None):
        """`model` (a ClaimModel) wins over `model_path`; the default is rag/data/claim_model.json."""
        from rag.claims.model import MODEL_PATH, ClaimModel

        self.use_embeddings = use_embeddings
        self.model = model if model is not None else ClaimModel.load(model_path or MODEL_PATH)
        self.threshold = self.model.threshold
        self.source = self.model.source
        self.hard_checks = tuple(self.model.meta.get("hard_checks", HARD_CHECKS))

    @property
    def feature_names(self) -> list[str]:
        return list(self.model.features)

    def score(self, claim: str, context: str) -> ClaimVerdict:
        from rag.claims.features import check

        claim_clean = clean_claim(claim)
        if not claim_clean:
            return ClaimVerdict(False, 0.0, ["lege bewering"], "lege bewering")
        if not (context or "").strip():
            return ClaimVerdict(False, 0.0, ["geen context"], claim_clean)
        # A verbatim quote (up to case, punctuation and PDF breaks) is supported by definition.
        c_toks = " ".join(ct.lower_tokens(ct.normalise(claim_clean)))
        if len(c_toks) > 10 and c_toks in " ".join(ct.lower_tokens(ct.normalise(context))):
            return ClaimVerdict(
                True,
                1.0,
                [],
                None,
                [
                    {
                        "kind": "verbatim",
                        "text": claim_clean,
                        "supported": True,
                        "support": 1.0,
                        "evidence": "",
                        "note": "letterlijk",
                    }
                ],
            )
        checked = check(claim_clean, context, use_embeddings=self.use_embeddings)
        p = self.model.probability(checked.values)
        failed = [f for f in checked.facts if not f.ok]
        hard_fail = [f for f in failed if f.check in self.hard_checks]
        facts = [f.to_dict() for f in checked.facts]
        precise = [f for f in checked.facts if f.kind in ("number", "date", "name")]
        if checked.values["content_words"] <= _SHORT_ANSWER_WORDS and precise and not failed:
            # a checkable fact with at most the word it counts ("2017.", "11 juli 2018.", "42 landen.")
            # and everything found: a short answer to a when/how-many question is supported by the
            # fact itself (the whole-claim similarity of two words says nothing)
            return ClaimVerdict(True, max(p, min(f.support for f in checked.facts)), [], None, facts)
        ok = p >= self.threshold and not hard_fail
        if ok:
            return ClaimVerdict(True, p, [], None, facts)
        contrib = self.model.contributions(checked.values)
        pull = {k: sum(min(0.0, contrib.get(n, 0.0)) for n in names) for k, names in _KIND_FEATURES.items()}
        if hard_fail:
            worst = min(hard_fail, key=lambda f: (f.support, pull.get(f.kind, 0.0)))
        elif failed:
            worst = min(failed, key=lambda f: (pull.get(f.kind, 0.0), f.support))
        else:
            worst = None
        reasons = [f.note for f in sorted(failed, key=lambda f: pull.get(f.kind, 0.0)) if f.note]
        if worst is None:
            reasons = reasons or ["onvoldoende steun in de context (weinig overeenkomst)"]
            return ClaimVerdict(
                False, min(p, self.threshold - 1e-4) if hard_fail else p, reasons, claim_clean, facts
            )
        if worst.note in reasons:
            reasons.remove(worst.note)
        reasons.insert(0, worst.note or f"niet gesteund: {worst.text}")
        score = p if not hard_fail else min(p, self.threshold - 1e-4)
        return ClaimVerdict(False, score, reasons, worst.text, facts)


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
        return ClaimVerdict(
            yes, 1.0 if yes else 0.0, [] if yes else [f"LLM-oordeel: {text[:20]}"], None if yes else claim
        )


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
                raise RuntimeError(
                    "scorer 'nli:...' needs sentence-transformers: pip install sentence-transformers"
                ) from exc
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
        return ClaimVerdict(ok, p, [] if ok else [f"NLI-entailment {p:.2f}"], None if ok else claim)


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
