"""The small model that turns fact checks into a support probability: logistic
regression over standardised features, stored as plain JSON (no pickle) with the
feature names, the feature version and the cross-validation figures it was chosen by.

`bench/claims.py --train` fits and writes it; `ClaimModel.load` refuses a file whose
features or version differ from the code (the scorer then uses hand-set weights
and logs how to retrain).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from rag.claims.features import FEATURE_NAMES, FEATURES_VERSION

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "claim_model.json"
MODEL_FORMAT = 2


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Hand-set weights for when no trained file matches: each failed precise fact pulls
# hard, similarity and coverage push. Good enough to keep answering working.
_FALLBACK = {
    "emb_best": 2.0,
    "cov_ctx": 2.0,
    "cov_win": 2.0,
    "miss_rare": -0.8,
    "miss_run": -0.5,
    "num_fail": -3.0,
    "date_fail": -3.0,
    "name_fail": -3.0,
    "neg_added": -2.5,
    "neg_dropped": -2.5,
    "firm_added": -1.5,
    "hedge_dropped": -1.0,
    "role_inv": -1.5,
    "local_inv": -1.0,
}


@dataclass
class ClaimModel:
    features: list[str]
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    threshold: float = 0.5
    source: str = "fallback"
    meta: dict = field(default_factory=dict)

    @classmethod
    def fallback(cls) -> ClaimModel:
        n = len(FEATURE_NAMES)
        mean = [0.0] * n
        i_emb = FEATURE_NAMES.index("emb_best")
        mean[i_emb] = 0.88  # e5 cosines of related Dutch sentences sit around 0.85-0.95
        scale = [1.0] * n
        scale[i_emb] = 0.04
        for name in ("cov_ctx", "cov_win"):
            mean[FEATURE_NAMES.index(name)] = 0.75
            scale[FEATURE_NAMES.index(name)] = 0.15
        return cls(list(FEATURE_NAMES), [_FALLBACK.get(f, 0.0) for f in FEATURE_NAMES], 0.0, mean, scale)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ClaimModel:
        path = Path(path)
        if not path.is_file():
            log.warning(
                "claim model %s not found; using hand-set weights. Train with `python -m bench.claims --train`.",
                path,
            )
            return cls.fallback()
        data = json.loads(path.read_text(encoding="utf-8"))
        if (
            data.get("format") != MODEL_FORMAT
            or data.get("features") != FEATURE_NAMES
            or data.get("features_version") != FEATURES_VERSION
        ):
            log.warning(
                "claim model %s was trained for other features (format %s, version %s); using hand-set "
                "weights. Retrain with `python -m bench.claims --train`.",
                path,
                data.get("format"),
                data.get("features_version"),
            )
            return cls.fallback()
        return cls(
            features=list(data["features"]),
            weights=[float(x) for x in data["weights"]],
            bias=float(data["bias"]),
            mean=[float(x) for x in data["mean"]],
            scale=[float(x) or 1.0 for x in data["scale"]],
            threshold=float(data.get("threshold", 0.5)),
            source=str(path),
            meta={k: v for k, v in data.items() if k not in ("features", "weights", "bias", "mean", "scale")},
        )

    def save(self, path: Path = MODEL_PATH) -> None:
        data = {
            "format": MODEL_FORMAT,
            "features_version": FEATURES_VERSION,
            "features": self.features,
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(float(self.bias), 6),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "threshold": round(float(self.threshold), 4),
            **{k: v for k, v in self.meta.items() if k not in ("format", "features_version", "threshold")},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def contributions(self, values: dict[str, float]) -> dict[str, float]:
        """Each feature's term in the logit (how much it pushed towards supported)."""
        return {
            n: w * (values[n] - m) / s
            for n, w, m, s in zip(self.features, self.weights, self.mean, self.scale)
        }

    def probability(self, values: dict[str, float]) -> float:
        return _sigmoid(self.bias + sum(self.contributions(values).values()))
