"""Split blind gold questions (or claim pairs) into train / dev / test, deterministically.

    python scripts/split_gold.py questions ALL.jsonl --out eval/gold/staff
    python scripts/split_gold.py claims ALL.jsonl --out eval/data/claims_blind --test-docs 001_a399eb8240a0f1b4,004_bab3e267043ef5ee

Questions are split by question, stratified by (writer prefix, kind): within each stratum the
items are ordered by the SHA-1 of their id and dealt out 12 : 3 : 5 (train : dev : test), so
the split does not depend on file order and never looks at the content. Claim pairs are split
by document: the pairs of --test-docs form the locked test split, the rest train (a model is
chosen by cross-validation over the train documents, so there is no dev split).

The test split is locked: it is scored once per change and never read item by item.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

PATTERN = ["train"] * 12 + ["dev"] * 3 + ["test"] * 5
# Interleave so that small strata still reach every split: t t d t t x t t d t t x ...
ORDER = ["train", "train", "test", "train", "dev", "train", "test", "train", "train", "dev",
         "test", "train", "train", "test", "train", "dev", "train", "test", "train", "train"]


def _key(item_id: str) -> str:
    return hashlib.sha1(item_id.encode("utf-8")).hexdigest()


def split_questions(rows: list[dict]) -> dict[str, list[dict]]:
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        prefix = re.match(r"[a-z]+", r["id"]).group(0)
        strata[(prefix, r.get("kind"))].append(r)
    out: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    offset = 0
    for key in sorted(strata, key=str):
        for i, r in enumerate(sorted(strata[key], key=lambda r: _key(r["id"]))):
            out[ORDER[(i + offset) % len(ORDER)]].append(r)
        offset += len(strata[key])  # continue the rotation, so strata of one item are spread too
    return out


def split_claims(rows: list[dict], test_docs: set[str]) -> dict[str, list[dict]]:
    return {"train": [r for r in rows if r["doc"] not in test_docs],
            "test": [r for r in rows if r["doc"] in test_docs]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["questions", "claims"])
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--out", required=True, help="output prefix; writes PREFIX_train.jsonl etc.")
    ap.add_argument("--test-docs", default="", help="claims: comma-separated doc ids of the test split")
    args = ap.parse_args()
    rows = [json.loads(line) for p in args.inputs for line in p.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    parts = split_questions(rows) if args.what == "questions" else \
        split_claims(rows, {d for d in args.test_docs.split(",") if d})
    for name, items in parts.items():
        path = Path(f"{args.out}_{name}.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        items = sorted(items, key=lambda r: r["id"])
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), encoding="utf-8")
        print(f"{path}: {len(items)} items")


if __name__ == "__main__":
    main()
