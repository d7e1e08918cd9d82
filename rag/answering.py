"""Answer a question from the indexed documents: retrieve, extract, (optionally) generate, check.

Extract-then-generate, because a small local model cannot be trusted to write
an answer freely (the bundled 0.5B model repeated questions and copied headers):

1. condense a follow-up into a standalone question (LLM for capable backends,
   a heuristic otherwise);
2. retrieve passages; select the sentences that best answer the question
   (rag/extractive.py) - deterministic, verbatim, cited;
3. refuse, with a fixed friendly sentence and the nearest passages, when the
   best sentence is less relevant than the calibrated threshold;
4. "extractive" backend: the selected sentences are the answer. LLM backends:
   the model writes a short answer from the passages (the bundled small model
   only sees the selected sentences), streamed; the result goes through the
   answer check (rag/answer_check.py) and falls back to the extractive sentences
   when it fails;
5. refuse as well when no sentence survives the check.

`stream()` yields text pieces and finally the checked `Answer`; the `Answer` is
authoritative (streamed LLM text may be corrected by the check).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from corpus.models import Answer, Passage
from corpus.settings import Settings
from rag import claim_text as ct
from rag.answer_check import CheckResult, check_answer, get_scorer
from rag.chain import build_answer_chain, build_condense_chain, format_history, format_passages, \
    heuristic_condense
from rag.extractive import Selection, expected_type, select
from rag.llm.backends import BackendSpec, get_chat_model, parse_backend

log = logging.getLogger(__name__)

REFUSAL_TEXT = (
    "Daarover kan ik in de beschikbare documenten geen betrouwbaar antwoord vinden. "
    "Hieronder staan de passages die er het dichtst bij komen."
)
FALLBACK_NOTE = "Het taalmodel gaf geen controleerbaar antwoord; dit zijn de letterlijke zinnen uit de bronnen."
NO_SUPPORT_NOTE = "Geen enkele zin van het antwoord werd door de bronnen ondersteund."

# Minimum relevance of the best extracted sentence (IDF-weighted share of the question's
# content words it covers, see rag/extractive.py) below which Griffier refuses.
# Calibrated with bench/calibrate_refusal.py on eval/gold/dev.jsonl (demo corpus, default
# retriever); Settings.refusal_threshold overrides it. Re-run the script after changing the
# retriever or the sentence scoring.
DEFAULT_REFUSAL_THRESHOLD = 0.132  # 2026-11-23 (sentence-level dense): answerable min 0.159, unanswerable max 0.105

# Token cap for the bundled model's one-sentence lead.
LEAD_MAX_TOKENS = 60

# How many nearest passages a refusal shows.
REFUSAL_PASSAGES = 3


class Answerer:
    """Answers questions over the index in `settings.home`. Cheap to build; loads lazily."""

    def __init__(self, settings: Settings, retriever: Any | None = None, llm: Any | None = None,
                 backend: str | None = None):
        self.settings = settings
        self.spec: BackendSpec = parse_backend(backend or settings.llm_backend)
        self._retriever = retriever
        self._llm = llm
        self._lock = threading.Lock()

    # --- lazily built parts ---------------------------------------------------------------
    @property
    def retriever(self):
        if self._retriever is None:
            from rag.retriever import get_retriever

            self._retriever = get_retriever(self.settings)
        return self._retriever

    @property
    def llm(self):
        if self._llm is None and self.spec.kind != "extractive":
            with self._lock:
                if self._llm is None:
                    # The bundled model writes only a one-sentence lead: cap it, it is the latency budget.
                    extra = {"max_tokens": min(self.settings.llm_max_tokens, LEAD_MAX_TOKENS)} \
                        if self.spec.kind == "bundled" else {}
                    self._llm = get_chat_model(self.settings, self.spec.label, **extra)
        return self._llm

    @property
    def model_label(self) -> str:
        if self.spec.kind == "extractive":
            return "extractive"
        if self.spec.kind == "bundled":
            from rag.llm.bundled import BUNDLED_MODEL_NAME

            return f"bundled:{BUNDLED_MODEL_NAME}"
        return self.spec.label

    @property
    def threshold(self) -> float:
        t = self.settings.refusal_threshold
        return DEFAULT_REFUSAL_THRESHOLD if t is None else float(t)

    # --- steps ------------------------------------------------------------------------------
    def condense(self, question: str, history: Sequence[Any] | None) -> str:
        """A standalone question. Capable LLMs rewrite it; the small bundled one and no-LLM use a heuristic."""
        if not history:
            return question
        if self.spec.kind in ("openai", "ollama", "gguf"):
            try:
                out = build_condense_chain(self.llm).invoke(
                    {"history": format_history(history), "question": question}).strip()
                out = out.splitlines()[0].strip() if out else ""
                if 5 < len(out) < 4 * len(question) + 200:
                    return out
            except Exception as exc:  # the heuristic is a fine fallback for a flaky endpoint
                log.warning("condensing with %s failed (%s); using the heuristic", self.spec.label, exc)
        return heuristic_condense(question, history)

    def retrieve(self, query: str, k: int | None, filters: dict | None) -> list[Passage]:
        passages = self.retriever.search(query, k=k or self.settings.top_k, filters=filters)
        # Renumber by position: [n] in the answer is passages[n-1].
        return [Passage(p.chunk, p.score, i + 1, dict(getattr(p, "scores", {}) or {})) for i, p in enumerate(passages)]

    # --- public API ---------------------------------------------------------------------------
    def answer(self, question: str, history: Sequence[Any] | None = None, filters: dict | None = None,
               k: int | None = None) -> Answer:
        result = None
        for piece in self.stream(question, history=history, filters=filters, k=k):
            if isinstance(piece, Answer):
                result = piece
        assert result is not None
        return result

    def stream(self, question: str, history: Sequence[Any] | None = None, filters: dict | None = None,
               k: int | None = None) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        question = (question or "").strip()
        if not question:
            raise ValueError("empty question: ask something, e.g. griffier ask \"Wat zegt het kabinet over ...?\"")
        standalone = self.condense(question, history)
        timings["condense"] = time.perf_counter() - t0
        passages = self.retrieve(standalone, k, filters)
        timings["retrieve"] = time.perf_counter() - t0 - timings["condense"]
        selection = select(standalone, passages)
        base = dict(question=question, model=self.model_label, standalone_question=standalone)

        def done(ans: Answer) -> Answer:
            timings.setdefault("first_output", time.perf_counter() - t0)
            timings["total"] = time.perf_counter() - t0
            ans.timings = {k_: round(v, 4) for k_, v in timings.items()}
            ans.timings["relevance"] = round(selection.relevance, 4)
            return ans

        if not passages or selection.relevance < self.threshold:
            yield REFUSAL_TEXT
            timings["first_output"] = time.perf_counter() - t0
            yield done(self._refusal(passages, base))
            return

        extractive_text = selection.answer_text()
        if self.spec.kind == "extractive":
            yield from self._emit(extractive_text, timings, t0)
            checked = check_answer(extractive_text, passages, get_scorer(None))
            yield done(self._finish(checked, passages, base, []))
            return

        if self.spec.kind == "bundled":
            yield from self._stream_lead_and_quotes(standalone, passages, selection, extractive_text, timings, t0,
                                                    base, done)
            return

        streamed: list[str] = []
        try:
            for token in self._generate(standalone, passages, selection):
                if not streamed:
                    timings["first_output"] = time.perf_counter() - t0
                streamed.append(token)
                yield token
        except Exception as exc:
            log.warning("LLM backend %s failed (%s); answering extractively", self.spec.label, exc)
            streamed = []
        generated = "".join(streamed).strip()
        timings["generate"] = time.perf_counter() - t0 - timings["retrieve"] - timings["condense"]
        checked, flags = self._check_generated(generated, standalone, passages, selection)
        if checked is None:  # fall back to the extractive sentences
            checked = check_answer(extractive_text, passages, get_scorer(None))
            flags.append(FALLBACK_NOTE)
            if streamed:
                yield "\n\n"
            yield from self._emit(extractive_text, timings, t0)
        yield done(self._finish(checked, passages, base, flags))

    def _stream_lead_and_quotes(self, question, passages, selection, extractive_text, timings, t0, base, done):
        """The small bundled model writes only a short lead ("39 landen [1]."), checked before it is shown;
        the quoted sentences follow. A lead that fails the check is left out."""
        try:
            lead_raw = "".join(self._generate(question, passages, selection)).strip()
        except Exception as exc:
            log.warning("bundled model failed (%s); answering extractively", exc)
            lead_raw = ""
        timings["generate"] = time.perf_counter() - t0 - timings["retrieve"] - timings["condense"]
        lead, flags = self._check_generated(lead_raw, question, passages, selection, lead=True)
        text = f"{lead.text}\n\n{extractive_text}" if lead is not None else extractive_text
        if lead is None:
            flags = [FALLBACK_NOTE]
        checked = check_answer(text, passages, get_scorer(self.settings))
        yield from self._emit(text, timings, t0)
        yield done(self._finish(checked, passages, base, flags if lead is None else []))

    # --- internals ----------------------------------------------------------------------------------
    def _emit(self, text: str, timings: dict, t0: float) -> Iterator[str]:
        for i, piece in enumerate(re.split(r"(?<=\]\.)\s+", text)):
            if i == 0:
                timings.setdefault("first_output", time.perf_counter() - t0)
            yield piece if i == 0 else " " + piece

    def _generate(self, question: str, passages: list[Passage], selection: Selection) -> Iterator[str]:
        if self.spec.kind == "bundled":
            # The 0.5B model only connects the selected sentences: a short prompt it can follow, ~0.5 s to first token.
            quotes: dict[int, list[str]] = {}
            for c in selection.sentences:
                quotes.setdefault(c.n, []).append(c.text)
            context = format_passages(passages, quotes)
            chain = build_answer_chain(self.llm, lead=True)
        else:
            context = format_passages(passages)
            chain = build_answer_chain(self.llm)
        for token in chain.stream({"passages": context, "question": question}):
            if token:
                yield token

    def _check_generated(self, generated: str, question: str, passages: list[Passage],
                         selection: Selection, lead: bool = False) -> tuple[CheckResult | None, list[str]]:
        """Check the model's answer; None means: use the extractive sentences instead.

        A lead (bundled model) must pass as a whole and add something the question does not say;
        a full answer (capable models) keeps its supported sentences.
        """
        if not generated or "GEEN ANTWOORD" in generated.upper():
            return None, []
        checked = check_answer(generated, passages, get_scorer(self.settings))
        if checked.n_supported == 0 or not checked.citations:
            return None, checked.flags
        if lead and not _acceptable_lead(checked, question, selection):
            return None, checked.flags
        new_info = (set(ct.content_stems(checked.text)) - set(ct.content_stems(question))) or \
            (ct.numbers(checked.text) - ct.numbers(question))
        if not new_info or _repeats_question(checked.text, question) and not lead:
            return None, checked.flags
        # An answer that drops the kind of fact asked for (a number, a date) is worse than the quotes.
        kind = expected_type(question)
        if kind in ("number", "date", "amount") and not (ct.numbers(checked.text) - ct.numbers(question)):
            return None, checked.flags
        if not lead and len(ct.content_stems(checked.text)) < 3:  # "HACKED", "Ja."
            return None, checked.flags
        return checked, list(checked.flags)

    def _refusal(self, passages: list[Passage], base: dict, extra_flags: Sequence[str] = ()) -> Answer:
        return Answer(text=REFUSAL_TEXT, citations=[], refused=True, passages=passages[:REFUSAL_PASSAGES],
                      flags=list(extra_flags), **base)

    def _finish(self, checked: CheckResult, passages: list[Passage], base: dict, flags: list[str]) -> Answer:
        if not checked.text or not checked.citations:
            return self._refusal(passages, base, [NO_SUPPORT_NOTE, *checked.flags])
        fl = list(dict.fromkeys([*flags, *checked.flags]))
        return Answer(text=checked.text, citations=checked.citations, refused=False, passages=passages,
                      flags=fl, **base)


def _acceptable_lead(checked: CheckResult, question: str, selection: Selection) -> bool:
    """Extra bars for the small model's one-sentence lead, measured to go wrong in these ways
    (bench/answers.py): a copy of a quote adds nothing, a lead without the kind of fact asked
    for ("17 april" to a "wie" question) misleads, and stutters ("Nederland en Nederland") are
    degenerate output."""
    text = checked.text
    if any(not s.supported for s in checked.sentences) or len(ct.tokens(text)) > 40:
        return False
    from rag.extractive import _has_type

    if not _has_type(text, expected_type(question)):
        return False
    lead_stems = set(ct.content_stems(text))
    for c in selection.sentences:
        quote_stems = set(ct.content_stems(c.text))
        if lead_stems and len(lead_stems & quote_stems) / len(lead_stems | quote_stems) > 0.6:
            return False
    toks = [t.lower() for t in ct.tokens(text)]
    return not any(toks[i] == toks[j] and len(toks[i]) > 3 for i in range(len(toks)) for j in range(i + 1, min(i + 4, len(toks))))


def _repeats_question(answer: str, question: str) -> bool:
    a, q = set(ct.content_stems(answer)), set(ct.content_stems(question))
    return bool(a) and len(a - q) <= 1


_CACHE: dict[tuple, Answerer] = {}
_CACHE_LOCK = threading.Lock()


def get_answerer(settings: Settings, backend: str | None = None) -> Answerer:
    """A cached Answerer per (home, backend, relevant settings)."""
    key = (str(settings.home), backend or settings.llm_backend, settings.llm_endpoint, settings.top_k,
           settings.refusal_threshold, settings.scorer, settings.llm_temperature, settings.llm_max_tokens)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Answerer(settings, backend=backend)
        return _CACHE[key]
