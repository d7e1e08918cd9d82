"""Dutch BM25 over chunk index texts (bm25s), persisted as plain files.

The bm25s arrays are saved with allow_pickle=False; a JSON list maps bm25s row
numbers to chunk_ids. Rebuilt from the chunk store at every index sync (cheap
next to embedding: tokenising and indexing ~1k chunks takes well under a second).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.text import ANALYSER_VERSION, analyse

log = logging.getLogger(__name__)

IDS_FILE = "bm25_ids.json"
META_FILE = "bm25_meta.json"


class StaleLexicalIndex(RuntimeError):
    """The saved BM25 index was tokenised by another analyser version than this code's."""


class LexicalIndex:
    def __init__(self, chunk_ids: list[str], model=None):
        self.chunk_ids = chunk_ids
        self._row = {cid: i for i, cid in enumerate(chunk_ids)}
        self._model = model

    @classmethod
    def build(cls, chunk_ids: Sequence[str], texts: Sequence[str]) -> "LexicalIndex":
        bm25s = _import_bm25s()

        tokens = [analyse(t) or ["_leeg_"] for t in texts]
        model = bm25s.BM25(k1=1.2, b=0.75)
        if tokens:
            model.index(tokens, show_progress=False)
        return cls(list(chunk_ids), model if tokens else None)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def vocabulary(self) -> frozenset[str]:
        """Every analysed term of the indexed texts (stems and compound parts): what the corpus talks about."""
        if self._model is None:
            return frozenset()
        return frozenset(self._model.vocab_dict)

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every analysed term, log(1 + N / df): how telling a word is here."""
        if self._model is None:
            return {}
        scores = self._model.scores
        indptr, n_docs = np.asarray(scores["indptr"]), int(scores["num_docs"])
        n_data = len(scores["data"])
        out = {}
        for term, t in self._model.vocab_dict.items():
            end = indptr[t + 1] if t + 1 < len(indptr) else n_data
            out[term] = float(np.log1p(n_docs / max(1, int(end - indptr[t]))))
        return out

    def postings(self) -> dict[str, np.ndarray]:
        """The rows (chunks) that hold each analysed term: which words the corpus uses together."""
        if self._model is None:
            return {}
        scores = self._model.scores
        indptr, indices = np.asarray(scores["indptr"]), np.asarray(scores["indices"])
        return {term: indices[indptr[t]:(indptr[t + 1] if t + 1 < len(indptr) else len(indices))]
                for term, t in self._model.vocab_dict.items()}

    def row_of(self, chunk_id: str) -> int | None:
        return self._row.get(chunk_id)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk (row order of `chunk_ids`)."""
        toks = analyse(query)
        if self._model is None or not toks:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self._model.get_scores(toks), dtype=np.float32)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score) with score > 0, optionally only rows where mask is True."""
        s = self.scores(query)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        k = min(k, int((s > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(self.chunk_ids[i], float(s[i])) for i in top]

    # -- persistence -----------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(folder / "bm25"), allow_pickle=False, show_progress=False)
        (folder / IDS_FILE).write_text(json.dumps(self.chunk_ids), encoding="utf-8")
        (folder / META_FILE).write_text(json.dumps({"analyser": ANALYSER_VERSION}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        bm25s = _import_bm25s()

        meta_path = folder / META_FILE
        built_with = json.loads(meta_path.read_text(encoding="utf-8"))["analyser"] if meta_path.exists() else 1
        if built_with != ANALYSER_VERSION:
            raise StaleLexicalIndex(
                f"the BM25 index in {folder} was built with text analyser v{built_with}, this Griffier uses "
                f"v{ANALYSER_VERSION}"
            )
        ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        model = None
        if ids:
            model = bm25s.BM25.load(str(folder / "bm25"), allow_pickle=False, show_progress=False)
        return cls(ids, model)


def _import_bm25s():
    """bm25s sets its own logger to DEBUG on import; put it back under the application's level."""
    import bm25s

    bm25s_log = logging.getLogger("bm25s")
    if bm25s_log.level == logging.DEBUG and not log.isEnabledFor(logging.DEBUG):
        bm25s_log.setLevel(logging.WARNING)
    return bm25s
