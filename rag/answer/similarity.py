"""The learned similarity: which shared meanings mark the sentence that answers.

The cosine of the question's and a sentence's e5 vectors weighs every dimension alike. Here
one weight per dimension of their elementwise product (`unit.match`, rag/answer/dense.py) is
fitted on the train split of the blind staff questions, on top of the selector's scores (a
conditional logit with those scores as offsets, `python -m rag.answer.train`), so it learns
what the selector's features miss. Its score adds to the selector's.

The weights belong to the embedding model they were fitted with; an index built with another
model ranks without them (logged once), as does a missing weights file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answer.candidates import Unit
from rag.answer.model import LogisticModel, ModelFileError

log = logging.getLogger(__name__)

SIMILARITY_FILE = Path(__file__).resolve().parent / "weights" / "similarity.json"


def feature_names(dim: int) -> list[str]:
    return [f"match_{i}" for i in range(dim)]


@dataclass
class LearnedSimilarity:
    model: LogisticModel
    embedding_model: str

    @property
    def dim(self) -> int:
        return len(self.model.features)

    @classmethod
    def load(cls, path: Path = SIMILARITY_FILE) -> LearnedSimilarity | None:
        """The fitted weights, or None when the file does not exist (ranking works without them)."""
        if not Path(path).exists():
            log.info("no learned similarity at %s; ranking with the selector alone", path)
            return None
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            dim, embedding_model = int(data["dim"]), str(data["embedding_model"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelFileError(f"similarity file {path} is unreadable ({exc}); refit it with "
                                 f"`python -m rag.answer.train --only-similarity`") from exc
        return cls(LogisticModel.load(path, feature_names(dim)), embedding_model)

    def applies(self, embedding_model: str, units: Sequence[Unit]) -> bool:
        """True when the units have vectors and they come from the model these weights were fitted for."""
        if not any(u.match is not None for u in units):
            return False  # an index without sentence vectors: nothing to weigh
        if embedding_model != self.embedding_model:
            _warn_once(embedding_model, self.embedding_model)
            return False
        return any(u.match is not None and len(u.match) == self.dim for u in units)

    def scores(self, units: Sequence[Unit]) -> np.ndarray:
        return self.model.decision(matches(units, self.dim))

    def save(self, path: Path = SIMILARITY_FILE) -> None:
        self.model.info.update({"embedding_model": self.embedding_model, "dim": self.dim})
        self.model.save(path)


_warned: set[tuple[str, str]] = set()


def _warn_once(index_model: str, fitted_model: str) -> None:
    if (index_model, fitted_model) not in _warned:
        _warned.add((index_model, fitted_model))
        log.info("the learned similarity was fitted for embedding model %r, the index uses %r: ranking without "
                 "it (refit with `python -m rag.answer.train --only-similarity`)", fitted_model, index_model)


def matches(units: Sequence[Unit], dim: int) -> np.ndarray:
    """The units' match vectors as rows; zeros (no shared meaning) for a unit without one."""
    return np.vstack([u.match if u.match is not None and len(u.match) == dim else np.zeros(dim) for u in units])
