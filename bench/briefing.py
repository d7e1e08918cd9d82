"""Briefing benchmark: every topic of a gold file through `draft_briefing`, one table.

    .venv/bin/python -m bench.briefing [--gold FILE]... [--home DIR] [--json OUT] [--notes DIR]

Gold files (JSON Lines): {"id", "topic", "fracties": [{"fractie", "answer_numbers": [n]}],
"key_facts": [{"doc", "quote"}], "open_point": {"doc", "quote"} | null}.
eval/data/briefing_topics.jsonl was written from the documents alone by someone
who did not write the briefing code; eval/data/briefing_topics_dev.jsonl by the
implementer (from the question blocks, before running the briefing) and used to
choose the weights in rag/briefing/.

Per topic: the fracties that spoke (gold) against those with a standpunt line
(target >= 90 %), extra fracties given a line, whether the cabinet line beside a
fractie quotes one of its gold answer numbers, repeated or near-duplicate line
pairs (rag.briefing.cues.near_duplicate: target 0), uncited body lines (0),
sources whose label is a bare file id (0), key facts and the open point found in
the note's lines, and seconds per topic (the first call also loads the models).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = [ROOT / "eval" / "data" / "briefing_topics.jsonl", ROOT / "eval" / "data" / "briefing_topics_dev.jsonl"]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    t = re.sub(r"\s+", " ", (text or "").replace("’", "'").replace("‘", "'")).strip().lower()
    return t.strip(" .,;:«»\"'")


def covered(quote: str, lines: list[str]) -> bool:
    """A gold quote is in the note: verbatim inside a line, or a line holds >= 70 % of its content words."""
    from rag.briefing.cues import stems

    q = _norm(quote)
    qs = stems(quote)
    for line in lines:
        n = _norm(line)
        if q and q in n:
            return True
        if qs and len(qs & stems(line)) / len(qs) >= 0.7:
            return True
    return False


def score_note(data: dict, gold: dict) -> dict:
    """The table's measures for one note (the `brief --json` dict) against one gold topic."""
    from corpus.fracties import canonical
    from rag.briefing.cues import near_duplicate
    from rag.briefing.sources import looks_bare

    sections = {s["title"]: s["lines"] for s in data["sections"]}
    body = [ln for s in data["sections"] for ln in s["lines"]]
    spoke = {canonical(f["fractie"]) for f in gold.get("fracties") or []}
    answers = {canonical(f["fractie"]): {int(n) for n in f.get("answer_numbers") or []}
               for f in gold.get("fracties") or []}
    with_line: dict[str, int | None] = {}
    last = None
    for ln in sections.get("Standpunten", []):
        label = ln.get("label") or ""
        m = re.match(r"Kabinet \(antwoord (\d+)\)", label)
        if m and last is not None and with_line.get(last) is None:
            with_line[last] = int(m.group(1))
            continue
        if label and not label.startswith("Kabinet"):
            last = canonical(re.sub(r"^fractie van de\s+", "", label, flags=re.I))
            with_line.setdefault(last, None)
    texts = [ln["text"] for ln in body]
    dups = sum(1 for i, a in enumerate(texts) for b in texts[i + 1:] if a == b or near_duplicate(a, b))
    numbers = {s["n"] for s in data["sources"]}
    uncited = sum(1 for ln in body if not ln["citations"] or not set(ln["citations"]) <= numbers)
    gaps = sorted(numbers) != list(range(1, len(numbers) + 1))
    bare = sum(1 for s in data["sources"] if not s.get("citation") or looks_bare(s["citation"], s.get("doc_id", "")))
    facts = gold.get("key_facts") or []
    open_point = gold.get("open_point")
    fact_docs = {f.get("doc") for f in facts}
    return {
        "spoke": sorted(spoke),
        "with_line": sorted(spoke & set(with_line)),
        "missing": sorted(spoke - set(with_line)),
        "extra": sorted(set(with_line) - spoke),
        "answer_ok": sum(1 for f in spoke & set(with_line) if with_line[f] in answers.get(f, set())),
        "answer_n": sum(1 for f in spoke & set(with_line) if answers.get(f)),
        "lines": len(body),
        "dup_pairs": dups,
        "uncited": uncited,
        "source_gaps": gaps,
        "bare_sources": bare,
        "facts_covered": sum(covered(f["quote"], texts) for f in facts),
        "facts": len(facts),
        "fact_docs": len(fact_docs),
        "note_docs": len({s["doc_id"] for s in data["sources"]}),
        "open_covered": None if not open_point else covered(open_point["quote"], texts),
        "summary_lines": len(sections.get("Samenvatting", [])),
    }


def run(gold: list[dict], settings, notes: Path | None = None) -> list[dict]:
    from rag.briefing import draft_briefing

    rows = []
    for g in gold:
        t0 = time.perf_counter()
        b = draft_briefing(g["topic"], settings)
        seconds = time.perf_counter() - t0
        data = json.loads(json.dumps(b.to_dict()))
        row = {"id": g.get("id", ""), "topic": g["topic"], "seconds": seconds, **score_note(data, g)}
        rows.append(row)
        if notes is not None:
            notes.mkdir(parents=True, exist_ok=True)
            (notes / f"{row['id'] or len(rows)}.md").write_text(b.to_markdown(), encoding="utf-8")
    return rows


def summarise(rows: list[dict]) -> dict:
    spoke = sum(len(r["spoke"]) for r in rows)
    secs = [r["seconds"] for r in rows]
    return {
        "topics": len(rows),
        "fracties_spoke": spoke,
        "fracties_with_line": sum(len(r["with_line"]) for r in rows),
        "fractie_share": sum(len(r["with_line"]) for r in rows) / spoke if spoke else None,
        "extra_fracties": sum(len(r["extra"]) for r in rows),
        "answer_ok": sum(r["answer_ok"] for r in rows),
        "answer_n": sum(r["answer_n"] for r in rows),
        "dup_pairs": sum(r["dup_pairs"] for r in rows),
        "uncited": sum(r["uncited"] for r in rows),
        "source_gaps": sum(r["source_gaps"] for r in rows),
        "bare_sources": sum(r["bare_sources"] for r in rows),
        "facts_covered": sum(r["facts_covered"] for r in rows),
        "facts": sum(r["facts"] for r in rows),
        "open_covered": sum(bool(r["open_covered"]) for r in rows if r["open_covered"] is not None),
        "open_points": sum(r["open_covered"] is not None for r in rows),
        "multi_doc_notes": sum(r["note_docs"] > 1 for r in rows),
        "seconds_p50": statistics.median(secs) if secs else None,
        "seconds_max": max(secs) if secs else None,
        "seconds_first": secs[0] if secs else None,
    }


def table(rows: list[dict], name: str) -> str:
    out = [f"**{name}**", "",
           "| topic | fracties that spoke | with a standpunt line | extra fracties | answer no. ok | "
           "near-dup pairs | uncited lines | bare-id sources | key facts | open point | s |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        op = "–" if r["open_covered"] is None else ("yes" if r["open_covered"] else "no")
        out.append(f"| {r['id']} {r['topic']} | {len(r['spoke'])} | {len(r['with_line'])}"
                   f"{' (missing ' + ', '.join(r['missing']) + ')' if r['missing'] else ''} | "
                   f"{', '.join(r['extra']) or 0} | {r['answer_ok']}/{r['answer_n']} | {r['dup_pairs']} | "
                   f"{r['uncited']} | {r['bare_sources']} | {r['facts_covered']}/{r['facts']} | {op} | "
                   f"{r['seconds']:.1f} |")
    s = summarise(rows)
    share = f"{s['fractie_share']:.0%}" if s["fractie_share"] is not None else "–"
    out.append(f"| **all {s['topics']}** | {s['fracties_spoke']} | {s['fracties_with_line']} ({share}) | "
               f"{s['extra_fracties']} | {s['answer_ok']}/{s['answer_n']} | {s['dup_pairs']} | {s['uncited']} | "
               f"{s['bare_sources']} | {s['facts_covered']}/{s['facts']} | {s['open_covered']}/{s['open_points']} | "
               f"p50 {s['seconds_p50']:.1f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, action="append", help="gold topics (JSON Lines); repeatable")
    ap.add_argument("--home", type=Path, help="an ingested home (default: $GRIFFIER_HOME or the user default)")
    ap.add_argument("--json", type=Path, help="write rows and summaries here")
    ap.add_argument("--notes", type=Path, help="write each note as Markdown into this folder")
    args = ap.parse_args(argv)
    from corpus.settings import load_settings

    settings = load_settings({"home": args.home, "llm_backend": "extractive"})
    report = {}
    for path in args.gold or DEFAULT_GOLD:
        rows = run(load(path), settings, args.notes / path.stem if args.notes else None)
        print(table(rows, path.name), end="\n\n")
        report[path.name] = {"rows": rows, "summary": summarise(rows)}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
