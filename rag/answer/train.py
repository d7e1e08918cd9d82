"""Fit the answer selector and the answerability model on the train split of the blind staff questions.

    python -m rag.answer.train [--home DIR] [--train eval/gold/staff_train.jsonl] [--dev eval/gold/staff_dev.jsonl]

Needs an index of the demo corpus (`griffier --home DIR ingest corpus/demo`). Writes
rag/answer/weights/selector.json, answerability.json and similarity.json (the learned
similarity, fitted on top of the selector; `--only-similarity` refits just that, and
`--only-composition` chooses just the composition settings again) and prints their
cross-validated figures (5 folds over questions) and the dev-split figures. The locked
test split is never read here: bench/answers.py scores it, once per change.

Labels, from the gold evidence sentences (DESIGN.md matching rule, rag/evidence.py):
- a unit is a positive example when it holds >= 80% of the words of a gold sentence of a
  gold document; a two-sentence unit only when it holds more gold sentences than either of
  its sentences alone (otherwise the shorter unit is the better answer);
- a question is answerable when its gold names a document; near misses are not.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag import claim_text as ct
from rag.answer import answerability as A
from rag.answer import features as F
from rag.answer.model import LogisticModel, fit, fit_conditional
from rag.evidence import gold_docs, span_coverage

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
HIT = 0.8
L2_GRID = (1.0, 3.0, 10.0, 30.0)
RATIO_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 1.01)  # 1.01: never a second unit
MAX_WORDS_GRID = (60, 75, 90)
NEXT_RATIO_GRID = (None, 0.0, 0.03, 0.1)  # None: the next sentence is ranked like any unit
NEXT_WORDS_GRID = (40, 45, 50, 55, 60)
FRACTIE_UNITS_GRID = (1, 2, 3)  # units quoted from a fractie's point, and from the cabinet's answer to it
# The issue asks for a median of at most 60 words. Answers to unseen questions run longer than the
# cross-validated compositions, so the composition is chosen under it. The gap was 20 words when the
# composer quoted a statement twice (a CV median of 55 put held-out at 75); since the composer drops
# repeats it is 3 to 7 words (stop 33: a CV median of 49 gave held-out 52, staff dev 56).
MEDIAN_WORDS_TARGET = 50


@dataclass
class QuestionRows:
    gold: dict
    prepared: object  # rag.answer.selector.Prepared
    labels: list[int]  # per unit
    covers: list[frozenset[int]]  # gold spans each unit covers


def _covers(unit, passages, gold) -> frozenset[int]:
    docs = gold_docs(gold)
    if passages[unit.n - 1].chunk.doc_id not in docs:
        return frozenset()
    return frozenset(i for i, span in enumerate(gold.get("evidence") or []) if span_coverage(unit.text, span) >= HIT)


def label_units(prepared, gold) -> tuple[list[int], list[frozenset[int]]]:
    covers = [_covers(u, prepared.passages, gold) for u in prepared.units]
    by_key = {(u.n, u.start, u.end): c for u, c in zip(prepared.units, covers)}
    labels = []
    for u, c in zip(prepared.units, covers):
        if not c:
            labels.append(0)
        elif u.n_sents == 1:
            labels.append(1)
        else:
            first = by_key.get((u.n, u.start, u.start + len(u.text[:u.split].rstrip())), frozenset())
            second_start = u.start + u.split
            second = next((cv for (n, s, _), cv in by_key.items() if n == u.n and s == second_start), frozenset())
            labels.append(int(len(c) > max(len(first), len(second))))
    return labels, covers


def collect(gold_rows: list[dict], retriever, progress: bool = True) -> list[QuestionRows]:
    from tqdm import tqdm

    from rag.answer.selector import prepare

    out = []
    for g in tqdm(gold_rows, desc="features", disable=not progress, file=sys.stderr):
        prepared = prepare(g["question"], retriever)
        labels, covers = label_units(prepared, g)
        out.append(QuestionRows(g, prepared, labels, covers))
    return out


def answerable_rows(rows: list[QuestionRows]) -> list[QuestionRows]:
    """The questions a selector learns from: answerable ones with candidate units."""
    return [r for r in rows if gold_docs(r.gold) and r.prepared.units]


def groups_of(rows: list[QuestionRows]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(F.matrix(r.prepared.units), np.array(r.labels)) for r in rows if r.prepared.units]


def ranked(model: LogisticModel, r: QuestionRows, similarity=None) -> list[int]:
    """Unit indexes of a question, best first, and sets unit.score / unit.prob like the selector
    (with `similarity`, a rag.answer.similarity.LearnedSimilarity, added where it applies).
    The units keep their order (labels and covers are aligned with it); use `best_first` for a sorted copy."""
    from rag.answer.selector import Selector, set_scores

    selector_z, z = Selector(model, similarity).scores(r.prepared.units, r.prepared.embedding_model)
    set_scores(r.prepared.units, selector_z, z)
    return list(np.argsort(-z))


def top1_hits(model: LogisticModel, rows: list[QuestionRows], similarity=None) -> float:
    """Share of answerable questions whose best-scored unit covers a gold sentence."""
    hits, n = 0, 0
    for r in rows:
        if not gold_docs(r.gold):
            continue
        n += 1
        if r.prepared.units:
            hits += bool(r.covers[ranked(model, r, similarity)[0]])
    return hits / max(1, n)


def answered(r: QuestionRows, text: str) -> bool:
    """The issue's measure: every gold sentence holds >= 80% of its words in the answer text."""
    spans = r.gold.get("evidence") or []
    return bool(spans) and all(span_coverage(text, s) >= HIT for s in spans)


def folds(n: int, k: int = 5) -> list[np.ndarray]:
    idx = np.arange(n)
    return [idx[i::k] for i in range(k)]


def cv_models(rows: list[QuestionRows], l2: float, k: int = 5) -> list[tuple[LogisticModel, list[QuestionRows]]]:
    """(model fitted without fold i, the questions of fold i) for each fold."""
    out = []
    for test_idx in folds(len(rows), k):
        held = set(test_idx.tolist())
        train = [r for i, r in enumerate(rows) if i not in held]
        out.append((fit_conditional(groups_of(train), F.FEATURE_NAMES, l2=l2), [rows[i] for i in test_idx]))
    return out


def out_of_fold_rank(rows: list[QuestionRows], l2: float, k: int = 5, similarity_l2: float | None = None) -> None:
    """Rank every question's units with a selector fitted without that question's fold (and, with
    `similarity_l2`, a learned similarity fitted on the same folds on top of it)."""
    for test_idx in folds(len(rows), k):
        held = set(test_idx.tolist())
        train = [r for i, r in enumerate(rows) if i not in held and gold_docs(r.gold) and r.prepared.units]
        model = fit_conditional(groups_of(train), F.FEATURE_NAMES, l2=l2)
        similarity = similarity_model(train, model, similarity_l2) if similarity_l2 is not None else None
        for i in test_idx:
            if rows[i].prepared.units:
                ranked(model, rows[i], similarity)


def rank_all(model: LogisticModel, rows: list[QuestionRows], similarity=None) -> None:
    for r in rows:
        if r.prepared.units:
            ranked(model, r, similarity)


def best_first(r: QuestionRows) -> list:
    """The question's units sorted by the scores `ranked` set (a copy)."""
    return sorted(r.prepared.units, key=lambda u: -u.score)


def composed_text(r: QuestionRows, how) -> str:
    """The rendered answer for `r` as ranked, composed with `how` (a rag.answer.composer.Composition)."""
    from rag.answer.composer import compose_answer, render

    return render(compose_answer(r.prepared.question, best_first(r), r.prepared.passages, how))


def _compositions(rows: list[QuestionRows], candidates: list) -> tuple:
    """Of `candidates` (Compositions), the one answering most of `rows` within the word target; of
    equals, the shortest; when none stays within the target, the shortest.
    Returns (composition, answered share, median words)."""
    choice, shortest = None, None
    for how in candidates:
        ok, words = 0, []
        for r in rows:
            text = composed_text(r, how)
            ok += answered(r, text)
            words.append(len(ct.tokens(ct.strip_citations(text))))
        rate, median = ok / max(1, len(rows)), float(np.median(words))
        log.info("compose %s: answered %.3f, median %.0f words", how, rate, median)
        if median <= MEDIAN_WORDS_TARGET and (choice is None or (rate, -median) > (choice[1], -choice[2])):
            choice = (how, rate, median)
        if shortest is None or median < shortest[2]:
            shortest = (how, rate, median)
    if choice is None:
        log.warning("no composition stays within a median of %d words; taking the shortest",
                    MEDIAN_WORDS_TARGET)
    return choice or shortest


def fit_selector(rows: list[QuestionRows]) -> tuple[LogisticModel, dict]:
    """Conditional logit over each question's units; L2 and the composition settings by 5-fold CV."""
    answerable = answerable_rows(rows)
    best = None
    for l2 in L2_GRID:
        hits = 0
        for model, test in cv_models(answerable, l2):
            hits += sum(bool(r.covers[ranked(model, r)[0]]) for r in test)
        cv = hits / max(1, len(answerable))
        log.info("selector l2=%g: CV top-1 %.3f", l2, cv)
        if best is None or cv > best[1]:
            best = (l2, cv)
    l2 = best[0]
    composition = choose_composition(answerable, l2)
    model = fit_conditional(groups_of(answerable), F.FEATURE_NAMES, l2=l2)
    model.info = {"model": "conditional logit over each question's candidate units", "l2": l2,
                  "cv_top1": round(best[1], 4), **composition, "n_questions": len(answerable),
                  "n_units": int(sum(len(r.labels) for r in answerable)),
                  "positives": int(sum(sum(r.labels) for r in answerable))}
    return model, model.info


def choose_composition(answerable: list[QuestionRows], l2: float) -> dict:
    """The composition settings (rag/answer/composer.py Composition), on the out-of-fold ranking of a
    selector with `l2`: first how many units an answer quotes (a second unit when its share reaches
    `second_ratio` of the best one's; `next_ratio` for the sentence right after the best unit while
    the two stay within `next_words`), then how much of a fractie's point and of the cabinet's answer
    to it. Returns the settings with their CV answered share and median words."""
    from rag.answer.composer import Composition

    out_of_fold_rank(answerable, l2)
    shares = itertools.product(MAX_WORDS_GRID, RATIO_GRID, NEXT_RATIO_GRID)
    general = [Composition(ratio, max_words, next_ratio, next_words) for max_words, ratio, next_ratio in shares
               for next_words in (NEXT_WORDS_GRID if next_ratio is not None else (0,))]
    how, _, _ = _compositions(answerable, general)
    fractie = [dataclasses.replace(how, fractie_answer_units=a, fractie_point_units=p)
               for a, p in itertools.product(FRACTIE_UNITS_GRID, FRACTIE_UNITS_GRID)]
    how, rate, median = _compositions(answerable, fractie)
    return {**dataclasses.asdict(how), "cv_answered": round(rate, 4), "cv_median_words": median}


SIMILARITY_L2_GRID = (30.0, 100.0, 300.0, 1000.0)


def _similarity_dims(rows: list[QuestionRows]) -> int:
    dims = {len(u.match) for r in rows for u in r.prepared.units if u.match is not None}
    if len(dims) != 1:
        raise ValueError("the index has no sentence vectors (or vectors of several sizes): ingest with "
                         "sentence vectors (`sentence_weight` above 0) before fitting the learned similarity")
    return dims.pop()


def similarity_model(rows: list[QuestionRows], selector: LogisticModel, l2: float):
    """A LearnedSimilarity fitted on `rows` (answerable, with units) on top of `selector`'s scores."""
    from rag.answer import similarity as S

    dim = _similarity_dims(rows)
    groups = [(S.matches(r.prepared.units, dim), np.array(r.labels)) for r in rows]
    offsets = [selector.decision(F.matrix(r.prepared.units)) for r in rows]
    return S.LearnedSimilarity(fit_conditional(groups, S.feature_names(dim), l2=l2, offsets=offsets),
                               rows[0].prepared.embedding_model)


def fit_similarity(rows: list[QuestionRows], selector: LogisticModel):
    """The learned similarity (rag/answer/similarity.py): one weight per dimension of the question and
    sentence vectors' product, fitted as a conditional logit on top of `selector`'s scores (offsets),
    L2 by 5-fold CV top-1. Returns (LearnedSimilarity, info)."""
    answerable = answerable_rows(rows)
    _similarity_dims(answerable)  # fails early, with the fix, on an index without sentence vectors
    by_l2 = {}
    for l2 in SIMILARITY_L2_GRID:
        hits = 0
        for test_idx in folds(len(answerable)):
            held = set(test_idx.tolist())
            similarity = similarity_model([r for i, r in enumerate(answerable) if i not in held], selector, l2)
            hits += sum(bool(answerable[i].covers[ranked(selector, answerable[i], similarity)[0]]) for i in test_idx)
        by_l2[l2] = round(hits / len(answerable), 4)
        log.info("similarity l2=%g: CV top-1 %.3f", l2, by_l2[l2])
    l2 = max(SIMILARITY_L2_GRID, key=lambda v: (by_l2[v], v))  # of equals, the more regularised
    similarity = similarity_model(answerable, selector, l2)
    similarity.model.info = {
        "model": "conditional logit over the question*sentence vector product, offset by the selector's scores",
        "l2": l2, "cv_top1": by_l2[l2], "cv_top1_by_l2": {str(k): v for k, v in by_l2.items()},
        "selector_top1_in_sample": round(top1_hits(selector, answerable), 4), "n_questions": len(answerable)}
    return similarity, dict(similarity.model.info)


MAX_WRONG_REFUSALS = 0.08  # share of answerable train questions a chosen threshold may refuse (CV)


def fit_answerability(rows, selector_l2: float, similarity_l2: float | None = None) -> tuple[LogisticModel, dict]:
    """Fit on train rows (answerable vs near miss). The selector (and the learned similarity on top of
    it) scores each question with models fitted without it (out of fold), as they will for unseen
    questions; threshold by 5-fold CV."""
    out_of_fold_rank(rows, selector_l2, similarity_l2=similarity_l2)
    x, y = _matrix(rows)
    best = None
    for l2 in (0.3, 1.0, 3.0, 10.0):
        cv_p = np.zeros(len(y))
        for test_idx in folds(len(y)):
            train_idx = np.setdiff1d(np.arange(len(y)), test_idx)
            m = fit(x[train_idx], y[train_idx], A.FEATURE_NAMES, l2=l2)
            cv_p[test_idx] = m.predict(x[test_idx])
        thr, stats = choose_threshold(cv_p, y)
        log.info("answerability l2=%g: threshold %.3f %s", l2, thr, stats)
        key = stats["near_miss_refused"] - stats["answerable_refused"]
        if best is None or key > best[0]:
            best = (key, l2, thr, stats)
    _, l2, thr, stats = best
    model = fit(x, y, A.FEATURE_NAMES, l2=l2)
    model.threshold = thr
    model.info = {"l2": l2, "cv": stats, "n_questions": len(y), "n_near_miss": int((y == 0).sum())}
    return model, model.info


def choose_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """The highest threshold whose answerable questions refused stay within MAX_WRONG_REFUSALS."""
    best_thr = 0.0
    for thr in np.unique(np.concatenate([[0.0], p])):
        refused_ans = float(np.mean(p[y == 1] < thr)) if (y == 1).any() else 0.0
        if refused_ans <= MAX_WRONG_REFUSALS:
            best_thr = float(thr)
    stats = {
        "answerable_refused": round(float(np.mean(p[y == 1] < best_thr)), 4) if (y == 1).any() else 0.0,
        "near_miss_refused": round(float(np.mean(p[y == 0] < best_thr)), 4) if (y == 0).any() else 0.0,
    }
    return best_thr, stats


def _matrix(rows) -> tuple[np.ndarray, np.ndarray]:
    """Features of rows whose units are already scored (unit.score / unit.prob set)."""
    xs, ys = [], []
    for r in rows:
        values = A.features(r.prepared.question, best_first(r), r.prepared.vocab, r.prepared.known_fracties)
        xs.append([values[n] for n in A.FEATURE_NAMES])
        ys.append(1 if gold_docs(r.gold) else 0)
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def evaluate_answerability(model: LogisticModel, rows) -> dict:
    """Refusal rates on rows ranked by the final selector."""
    x, y = _matrix(rows)
    p = model.predict(x)
    refused = p < model.threshold
    return {"answerable_refused": round(float(refused[y == 1].mean()), 4) if (y == 1).any() else None,
            "near_miss_refused": round(float(refused[y == 0].mean()), 4) if (y == 0).any() else None}


def main(argv: list[str] | None = None) -> None:
    from corpus.settings import load_settings
    from eval.harness import load_gold
    from rag.retriever import get_retriever

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None, help="Griffier home with the demo corpus indexed")
    ap.add_argument("--train", type=Path, default=ROOT / "eval" / "gold" / "staff_train.jsonl")
    ap.add_argument("--dev", type=Path, default=ROOT / "eval" / "gold" / "staff_dev.jsonl")
    ap.add_argument("--out", type=Path, default=None, help="weights folder (default rag/answer/weights)")
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--only-similarity", action="store_true",
                      help="keep the stored selector and answerability model; refit only the learned similarity")
    only.add_argument("--only-composition", action="store_true",
                      help="keep every stored model; choose only the selector's composition settings again "
                           "(after a change to rag/answer/composer.py)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    from rag.answer.selector import SELECTOR_FILE, WEIGHTS_DIR
    from rag.answer.similarity import SIMILARITY_FILE

    settings = load_settings({"home": args.home} if args.home else None)
    retriever = get_retriever(settings)
    t0 = time.perf_counter()
    train_rows = collect(load_gold(args.train), retriever)
    out = args.out or WEIGHTS_DIR
    stamp = {"trained_on": str(args.train.relative_to(ROOT) if args.train.is_relative_to(ROOT) else args.train),
             "created": time.strftime("%Y-%m-%d")}
    report = {}
    if args.only_composition:
        selector = LogisticModel.load(SELECTOR_FILE, F.FEATURE_NAMES)
        answerable = answerable_rows(train_rows)
        report["composition"] = choose_composition(answerable, selector.info["l2"])
        selector.info.update(report["composition"], recomposed=stamp["created"])
        selector.save(out / SELECTOR_FILE.name)
        print(json.dumps(report, indent=1))
        return
    if args.only_similarity:
        selector = LogisticModel.load(SELECTOR_FILE, F.FEATURE_NAMES)
        similarity, report["similarity"] = fit_similarity(train_rows, selector)
        ans_model = None
    else:
        selector, report["selector"] = fit_selector(train_rows)
        similarity, report["similarity"] = fit_similarity(train_rows, selector)
        ans_model, report["answerability"] = fit_answerability(train_rows, selector.info["l2"],
                                                               similarity.model.info["l2"])
    if not args.only_similarity:
        for model, name in ((selector, SELECTOR_FILE.name), (ans_model, A.MODEL_FILE.name)):
            model.info.update(stamp)
            model.save(out / name)
    similarity.model.info.update(stamp)
    similarity.save(out / SIMILARITY_FILE.name)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    if args.dev and args.dev.exists():
        dev_rows = collect(load_gold(args.dev), retriever)
        report["dev"] = {"selector_top1": round(top1_hits(selector, dev_rows), 4),
                         "selector_similarity_top1": round(top1_hits(selector, dev_rows, similarity), 4)}
        if ans_model is not None:
            rank_all(selector, dev_rows, similarity)
            report["dev"].update(evaluate_answerability(ans_model, dev_rows))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
