"""A small logistic-regression model kept as plain JSON: feature names, standardisation,
weights, bias, decision threshold, and the figures it was chosen by.

Fitting (numpy only, L2-regularised Newton steps) lives here too, so the training
script and the tests use the same code; answering only calls `predict`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.files import write_text_atomic

FORMAT = 1


class ModelFileError(RuntimeError):
    pass


@dataclass
class LogisticModel:
    features: list[str]
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    threshold: float = 0.5
    info: dict = field(default_factory=dict)

    def decision(self, x: np.ndarray) -> np.ndarray:
        """The linear score z of rows of `x` (columns in `self.features` order)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return self.bias + ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for rows of `x`: sigmoid(z)."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.decision(x), -30, 30)))

    def predict_one(self, values: dict[str, float]) -> float:
        return float(self.predict(np.array([[values[f] for f in self.features]]))[0])

    def contributions(self, values: dict[str, float]) -> dict[str, float]:
        """Each feature's share of the log-odds: why a unit won or an answer was refused."""
        return {f: w * (values[f] - m) / s for f, w, m, s in zip(self.features, self.weights, self.mean, self.scale)}

    def to_dict(self) -> dict:
        return {"format": FORMAT, "features": self.features, "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6), "mean": [round(m, 6) for m in self.mean],
                "scale": [round(s, 6) for s in self.scale], "threshold": round(self.threshold, 4), **self.info}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path, features: list[str]) -> "LogisticModel":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"model file {path} is unreadable ({exc}); refit it with `python -m rag.answer.train`") from exc
        if data.get("format") != FORMAT or data.get("features") != features:
            raise ModelFileError(
                f"model file {path} was fitted for other features than this code computes; "
                f"refit it with `python -m rag.answer.train`")
        info = {k: v for k, v in data.items() if k not in ("format", "features", "weights", "bias", "mean", "scale",
                                                            "threshold")}
        return cls(list(data["features"]), [float(w) for w in data["weights"]], float(data["bias"]),
                   [float(m) for m in data["mean"]], [float(s) or 1.0 for s in data["scale"]],
                   float(data.get("threshold", 0.5)), info)


def fit(x: np.ndarray, y: np.ndarray, features: list[str], l2: float = 1.0, sample_weight: np.ndarray | None = None,
        iterations: int = 50) -> LogisticModel:
    """L2-regularised logistic regression on standardised features (Newton-Raphson)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = (x - mean) / scale
    xb = np.hstack([xs, np.ones((len(xs), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (sw * (p - y)) + reg * w
        hess = (xb * (sw * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return LogisticModel(list(features), w[:-1].tolist(), float(w[-1]), mean.tolist(), scale.tolist())


def fit_conditional(groups: list[tuple[np.ndarray, np.ndarray]], features: list[str], l2: float = 1.0,
                    offsets: list[np.ndarray] | None = None) -> LogisticModel:
    """Conditional logit (a softmax over each question's candidates): learns which unit of a question
    answers, not whether units in general do. `groups` are (x, y) per question, y 1 for good units.
    `offsets` (per group, per candidate) are fixed scores the fitted ones add to: a model learns what
    another one misses. The result is a LogisticModel whose bias is 0; within a question, higher z is better."""
    from scipy.optimize import minimize  # training only (scipy comes with scikit-learn)

    offsets = offsets if offsets is not None else [np.zeros(len(y)) for _, y in groups]
    kept = [(np.asarray(x, dtype=np.float64), np.asarray(y) == 1, np.asarray(o, dtype=np.float64))
            for (x, y), o in zip(groups, offsets) if np.any(np.asarray(y) == 1)]
    allx = np.vstack([x for x, _, _ in kept])
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs_groups = [((x - mean) / scale, pos, o) for x, pos, o in kept]
    d = allx.shape[1]

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = 0.0, np.zeros(d)
        for xs, pos, o in xs_groups:
            z = o + xs @ w
            z -= z.max()
            e = np.exp(z)
            total, good = e.sum(), e[pos].sum()
            loss -= np.log(good / total)
            grad -= (xs[pos] * (e[pos] / good)[:, None]).sum(axis=0) - (xs * (e / total)[:, None]).sum(axis=0)
        return loss + 0.5 * l2 * float(w @ w), grad + l2 * w

    w = minimize(objective, np.zeros(d), jac=True, method="L-BFGS-B").x
    return LogisticModel(list(features), w.tolist(), 0.0, mean.tolist(), scale.tolist())


def softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
