"""The gold question files are well formed and their evidence is really in the demo corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.harness import load_gold
from rag.evidence import gold_docs, normalise

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "corpus" / "demo"
GOLD_FILES = sorted((ROOT / "eval" / "gold").glob("*.jsonl"))


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_evidence_spans_occur_in_their_documents(path):
    golds = load_gold(path)
    assert golds and len({g["id"] for g in golds}) == len(golds)
    texts = {p.stem: normalise(p.read_text(encoding="utf-8")) for p in DEMO.glob("*.txt")}
    for g in golds:
        docs = gold_docs(g)
        if not docs:
            assert not g["evidence"] and g["type"] == "unanswerable", g["id"]
            continue
        assert docs <= set(texts), (g["id"], docs)
        for span in g["evidence"]:
            assert any(normalise(span) in texts[d] for d in docs), (g["id"], span)
        for fact in g["answer_facts"]:
            assert any(normalise(fact) in normalise(span) for span in g["evidence"]), (g["id"], fact)


@pytest.mark.parametrize("path", sorted((ROOT / "eval" / "data").glob("conversations_*.jsonl")), ids=lambda p: p.name)
def test_conversation_turns_hold_evidence_from_their_documents(path):
    import json

    conversations = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    turns = [t for c in conversations for t in c["turns"]]
    assert conversations and all(len(c["turns"]) >= 2 for c in conversations)
    assert len({t["id"] for t in turns}) == len(turns)
    def loose(text: str) -> str:  # hyphens aside: the raw text breaks "MINUSMA-eenheden" over two lines
        return normalise(text).replace("-", "")

    texts = {p.stem: loose(p.read_text(encoding="utf-8")) for p in DEMO.glob("*.txt")}
    for t in turns:
        assert t["doc"] in texts and t["evidence"], t["id"]
        for span in t["evidence"]:
            assert loose(span) in texts[t["doc"]], (t["id"], span)
