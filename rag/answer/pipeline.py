"""Answer a question from the indexed documents: select, decide, compose, check.

1. A follow-up is made standalone by carrying the conversation's topic (followup.py;
   a capable model backend may rewrite it instead).
2. Passages are gathered and every candidate unit is scored by the learned selector; for a
   follow-up the scores move toward where the last answer was (continuity.py).
3. The answerability model decides whether the best units answer what was asked; if not,
   the answer is a refusal that says what is missing, with context marked as such.
4. The default ("extractive") composes the answer from verbatim units, answer first.
   The small bundled model may add a one-sentence lead; capable backends write the answer
   themselves. Model text is checked sentence by sentence and only checked text is shown;
   when the backend fails, the answer says so and is composed without it.

`stream()` yields text pieces and finally the `Answer`; the `Answer` is authoritative.
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
from rag.answer import answerability as A
from rag.answer import continuity
from rag.answer.check import check_parts
from rag.answer.composer import Composition, Part, compose_answer, refusal_parts, render, signature_parts
from rag.answer.followup import is_follow_up, standalone_question
from rag.answer.selector import Prepared, get_selector, prepare
from rag.llm.backends import BackendSpec, get_chat_model, parse_backend

log = logging.getLogger(__name__)

NO_PASSAGES_TEXT = "De doorzochte stukken bevatten niets over deze vraag."
FALLBACK_NOTE = ("Het taalmodel gaf geen controleerbaar antwoord; dit antwoord is samengesteld uit letterlijke "
                 "zinnen uit de bronnen.")
LEAD_MAX_TOKENS = 60  # the bundled model's one-sentence lead is its whole latency budget
REFUSAL_PASSAGES = 3


class QuestionTooLong(ValueError):
    pass


def backend_failed_note(label: str, exc: BaseException) -> str:
    reason = " ".join(str(exc).split())[:160] or type(exc).__name__
    return (f"Het taalmodel {label} was niet bereikbaar ({reason}); dit antwoord is zonder taalmodel samengesteld "
            f"uit letterlijke zinnen uit de bronnen.")


class Answerer:
    """Answers questions over the index in `settings.home`. Cheap to build; loads lazily."""

    def __init__(self, settings: Settings, retriever: Any | None = None, llm: Any | None = None,
                 backend: str | None = None):
        self.settings = settings
        self.spec: BackendSpec = parse_backend(backend or settings.llm_backend)
        self._retriever = retriever
        self._llm = llm
        self._lock = threading.Lock()
        self.continuity_weights: continuity.ContinuityWeights | None = None  # None: the fitted file

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

    # --- steps ------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        question = " ".join((question or "").split())
        if not question:
            raise ValueError("lege vraag: stel een vraag, bijvoorbeeld griffier ask \"Wat zegt het kabinet over …?\"")
        limit = int(self.settings.max_question_chars)
        if len(question) > limit:
            raise QuestionTooLong(
                f"de vraag is te lang ({len(question)} tekens; de grens is {limit}). Stel een kortere vraag, "
                f"of verhoog max_question_chars in de instellingen.")
        return question

    def condense(self, question: str, history: Sequence[Any] | None) -> str:
        """The standalone question: capable LLMs rewrite it; otherwise the conversation's topic is carried."""
        if not history:
            return question
        if self.spec.kind in ("openai", "ollama", "gguf"):
            from rag.answer.chain import build_condense_chain, format_history

            try:
                out = build_condense_chain(self.llm).invoke(
                    {"history": format_history(history), "question": question}).strip()
                out = out.splitlines()[0].strip() if out else ""
                if 5 < len(out) < 4 * len(question) + 200:
                    return out
            except Exception as exc:  # the topic-carrying rewrite is a fine fallback
                log.warning("condensing with %s failed (%s); carrying the topic instead", self.spec.label, exc)
        return standalone_question(question, history)

    def _prepare(self, query: str, k: int | None, filters: dict | None, typed: str | None) -> Prepared:
        # every surface (chat, CLI, API, bench) retrieves the same count unless the user sets one
        k = k or int(self.settings.answer_passages)
        return prepare(query, self.retriever, k=k, filters=filters, typed=typed)

    def select(self, query: str, k: int | None, filters: dict | None, typed: str | None = None,
               history: Sequence[Any] | None = None) -> tuple[Prepared, dict[str, float], bool]:
        prepared = self._prepare(query, k, filters, typed)
        follow_up = bool(history) and is_follow_up(typed or query)
        # The learned similarity was fitted on whole questions; a follow-up's standalone form ("en libie?
        # (Tabankort, MINUSMA)") is another kind of text, so it ranks with the selector and continuity alone.
        units = get_selector().rank(prepared, similarity=not follow_up)
        if follow_up:
            # a follow-up continues where the last answer was (continuity.py)
            units = continuity.rerank(units, prepared.passages, continuity.shown_sentences(history),
                                      self.continuity_weights or continuity.get_weights(), typed or query)
        values = A.features(prepared.question, units, prepared.vocab, prepared.known_fracties)
        # who signed is answered by the signature itself, which no fitted feature describes
        signed = prepared.question.asks_signatories and bool(signature_parts(units))
        ok = bool(units) and (A.get_answerability().answerable(values) or signed) \
            and not A.absent_places_or_names(prepared.question, prepared.vocab)
        return prepared, values, ok

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
        question = self.check_question(question)
        standalone = self.condense(question, history)
        timings["condense"] = time.perf_counter() - t0
        prepared, values, answerable = self.select(standalone, k, filters, typed=question, history=history)
        timings["select"] = time.perf_counter() - t0 - timings["condense"]
        units, passages = prepared.units, prepared.passages
        base = dict(question=question, model=self.model_label, standalone_question=standalone)

        def done(ans: Answer) -> Answer:
            timings.setdefault("first_output", time.perf_counter() - t0)
            timings["total"] = time.perf_counter() - t0
            ans.timings = {k_: round(v, 4) for k_, v in timings.items()}
            ans.timings["answerable"] = round(A.get_answerability().probability(values), 4) if units else 0.0
            return ans

        if not answerable:
            missing = A.missing_sentence(prepared.question, A.unknown_names(prepared.question, prepared.vocab)) \
                if units else NO_PASSAGES_TEXT
            yield from self._emit_parts(refusal_parts(missing, units), passages, base, done, refused=True)
            return
        sel = get_selector().model.info
        composed = compose_answer(prepared.question, units, passages, Composition.from_info(sel))
        if A.person_name_missing(prepared.question, composed):
            yield from self._emit_parts(refusal_parts(A.person_missing_sentence(prepared.question), units),
                                        passages, base, done, refused=True)
            return
        if A.count_missing(prepared.question, composed):
            yield from self._emit_parts(refusal_parts(A.missing_sentence(prepared.question), units),
                                        passages, base, done, refused=True)
            return
        if A.fractie_off_topic(prepared.question, composed, passages):
            # context only from a passage that does name the subject (another fractie's remark, the
            # cabinet's letter): the fractie's remarks on other subjects say nothing about it
            from rag.answer.features import names_subject

            named = [u for u in units if names_subject(prepared.question, passages[u.n - 1])]
            yield from self._emit_parts(refusal_parts(A.missing_sentence(prepared.question), named),
                                        passages, base, done, refused=True)
            return
        if self.spec.kind == "extractive":
            yield from self._emit_parts(composed, passages, base, done)
            return
        if self.spec.kind == "bundled":
            yield from self._lead_then_quotes(standalone, prepared, composed, base, done, timings, t0)
            return
        yield from self._model_answer(standalone, prepared, composed, base, done, timings, t0)

    # --- internals ----------------------------------------------------------------------------------
    def _emit_parts(self, parts: list[Part], passages: list[Passage], base: dict, done, *, refused: bool = False,
                    flags: Sequence[str] = ()) -> Iterator[str | Answer]:
        from rag.claims import get_scorer

        checked = check_parts(parts, passages, get_scorer(self.settings))
        text = render(checked.parts)
        if not refused and not any(p.kind in ("quote", "model", "span") for p in checked.parts):
            refused = True
            text = render(refusal_parts(A.NOTHING_CHECKED, []))
        yield text
        shown = passages[:REFUSAL_PASSAGES] if refused else passages
        yield done(Answer(text=text, citations=checked.citations, refused=refused, passages=shown,
                          flags=list(dict.fromkeys([*flags, *checked.flags])),
                          checks=[v.to_dict() for v in checked.verdicts], **base))

    def _lead_then_quotes(self, question, prepared, composed, base, done, timings, t0):
        """The small bundled model writes only a one-sentence lead from the selected quotes; it is shown
        only when it passes the check and adds something; the composed quotes follow."""
        from rag.answer.chain import build_answer_chain, format_passages

        flags: list[str] = []
        lead: Part | None = None
        quotes: dict[int, list[str]] = {}
        for p in composed:
            if p.kind == "quote" and p.n:
                quotes.setdefault(p.n, []).append(p.text)
        try:
            raw = build_answer_chain(self.llm, lead=True).invoke(
                {"passages": format_passages(prepared.passages, quotes), "question": question})
            from rag.claims import get_scorer

            lead = _lead_part(str(raw), question, composed, prepared.passages, get_scorer(self.settings))
        except Exception as exc:
            log.warning("bundled model failed (%s); answering without it", exc)
            flags.append(backend_failed_note(self.model_label, exc))
            base = {**base, "model": f"extractive (terugval van {self.model_label})"}
        timings["generate"] = time.perf_counter() - t0 - timings["condense"] - timings["select"]
        parts = ([lead] if lead is not None else []) + [p for p in composed if p.kind != "span" or lead is None]
        yield from self._emit_parts(parts, prepared.passages, base, done, flags=flags)

    def _model_answer(self, question, prepared, composed, base, done, timings, t0):
        """A capable model writes the answer; each finished sentence is checked before it is shown."""
        from rag.answer.chain import build_answer_chain, format_passages
        from rag.answer.check import split_answer
        from rag.claims import get_scorer

        scorer = get_scorer(self.settings)
        passages = prepared.passages
        shown: list[Part] = []
        verdict_flags: list[str] = []
        buffer = ""
        failure: BaseException | None = None

        def finished(text: str, final: bool) -> tuple[list[str], str]:
            pieces = split_answer(text)
            if final or len(pieces) < 2:
                return (pieces, "") if final else ([], text)
            return pieces[:-1], pieces[-1]

        try:
            for token in build_answer_chain(self.llm).stream({"passages": format_passages(passages),
                                                              "question": question}):
                buffer += token or ""
                done_sents, buffer = finished(buffer, False)
                for sent in done_sents:
                    yield from self._checked_model_sentence(sent, passages, scorer, shown, verdict_flags)
            done_sents, buffer = finished(buffer, True)
            for sent in done_sents:
                yield from self._checked_model_sentence(sent, passages, scorer, shown, verdict_flags)
        except Exception as exc:
            failure = exc
            log.warning("LLM backend %s failed (%s); answering without it", self.spec.label, exc)
        timings["generate"] = time.perf_counter() - t0 - timings["condense"] - timings["select"]
        if failure is not None or not shown:
            flags = [backend_failed_note(self.model_label, failure)] if failure is not None else [FALLBACK_NOTE]
            if failure is not None:
                base = {**base, "model": f"extractive (terugval van {self.model_label})"}
            if shown:
                yield "\n\n"
            yield from self._emit_parts(composed, passages, base, done, flags=[*flags, *verdict_flags])
            return
        checked = check_parts(shown, passages, scorer)
        yield done(Answer(text=render(checked.parts), citations=checked.citations, refused=False, passages=passages,
                          flags=list(dict.fromkeys([*verdict_flags, *checked.flags])),
                          checks=[v.to_dict() for v in checked.verdicts], **base))

    def _checked_model_sentence(self, sentence: str, passages, scorer, shown: list[Part], flags: list[str]):
        """Check one model sentence against the passages it cites; yield it only when supported."""
        from rag.answer.injection import is_instruction

        cited = [n for n in ct.citation_numbers(sentence) if 1 <= n <= len(passages)]
        text = ct.strip_citations(sentence).strip()
        if not text or "GEEN ANTWOORD" in text.upper():
            return
        if is_instruction(text) or _echoes_instruction(text, passages):
            flags.append(f"Zin weggelaten: het taalmodel herhaalde een instructie uit een document: «{text}»")
            return
        if not cited:
            flags.append(f"Zin zonder bronvermelding weggelaten: «{text}»")
            return
        best = None
        for n in cited:
            res = check_parts([Part(text, n, "model")], passages, scorer)
            if res.parts:
                best = Part(text, n, "model")
                break
        if best is None:
            flags.extend(res.flags)
            return
        shown.append(best)
        yield (" " if len(shown) > 1 else "") + best.render()


def _echoes_instruction(text: str, passages: list[Passage]) -> bool:
    """A model sentence that repeats an instruction sentence of a passage (it obeyed the document)."""
    from rag.answer.candidates import passage_sentences

    mine = set(ct.content_stems(text))
    if not mine:
        return False
    for p in passages:
        for s, e, usable in passage_sentences(p.chunk.text):
            if usable:
                continue
            theirs = set(ct.content_stems(p.chunk.text[s:e]))
            if theirs and len(mine & theirs) / len(mine) >= 0.5:
                from rag.answer.injection import is_instruction

                if is_instruction(p.chunk.text[s:e]):
                    return True
    return False


def _lead_part(raw: str, question: str, composed: list[Part], passages: list[Passage], scorer=None) -> Part | None:
    """The bundled model's lead as a model part, or None when it is junk, a copy or off the question.

    The small model often opens with the marker ("[1] 39 landen") or brackets a bare fact ("[2017]");
    such a lead is read as its words, cited by the marker when that names a quoted passage, else by
    the quoted passage that supports it."""
    from rag.answer.features import has_type
    from rag.answer.injection import is_instruction
    from rag.answer.question import asked_type

    first = " ".join(raw.strip().split("\n")[0].split())
    if not first or "GEEN ANTWOORD" in first.upper() or is_instruction(first) or "[n]" in first.lower():
        return None  # junk such as "[n] [1] Sinds…"
    quoted = [p.n for p in composed if p.kind == "quote" and p.n]
    valid = [n for n in ct.citation_numbers(first) if n in quoted]
    # "[2017]": brackets around a fact, not a passage number
    text = re.sub(r"\[(\d+)\]", lambda m: "" if int(m.group(1)) in quoted else m.group(1), first)
    text = " ".join(text.split()).strip(" .;:") + "."
    if len(ct.tokens(text)) > 40 or not ct.tokens(text):
        return None
    kind = asked_type(question)
    if kind in ("amount", "date", "number", "name") and not has_type(text, kind):
        return None
    if kind not in ("amount", "date", "number", "name") and len(ct.content_stems(text)) < 2:
        return None
    lead_stems = set(ct.content_stems(text))
    for p in composed:
        quote = set(ct.content_stems(p.text))
        if lead_stems and quote and len(lead_stems & quote) / len(lead_stems | quote) > 0.6:
            return None  # a copy of a quote adds nothing
    toks = [t.lower() for t in ct.tokens(text)]
    if any(toks[i] == toks[j] and len(toks[i]) > 3 for i in range(len(toks)) for j in range(i + 1, min(i + 4, len(toks)))):
        return None  # stutter ("Nederland en Nederland")
    for n in dict.fromkeys(valid + quoted):  # the marker's passage first, then the other quoted ones
        part = Part(text, n, "model")
        if check_parts([part], passages, scorer).parts:
            return part
    return None


_CACHE: dict[tuple, Answerer] = {}
_CACHE_LOCK = threading.Lock()


def get_answerer(settings: Settings, backend: str | None = None) -> Answerer:
    """A cached Answerer per (home, backend, relevant settings)."""
    key = (str(settings.home), backend or settings.llm_backend, settings.llm_endpoint, settings.answer_passages,
           settings.scorer, settings.llm_temperature, settings.llm_max_tokens, settings.max_question_chars)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Answerer(settings, backend=backend)
        return _CACHE[key]
