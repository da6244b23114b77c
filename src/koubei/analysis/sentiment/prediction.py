"""The result of scoring one text, shared by every polarity model (fast, transfer, distilled)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Prediction:
    """One scored text.

    `label` is positive / negative / neutral, or `unscorable` with `reason` (see guard.py). `score` is the
    calibrated probability of `label` (None when unscorable). `rating` is a predicted 1-5 star rating when the model
    was trained on ratings. `flags` note what was noticed (html, mixed_script, ...), `lang` the detected language.
    """

    label: str
    score: float | None
    probabilities: dict[str, float] = field(default_factory=dict)
    rating: float | None = None
    reason: str | None = None
    flags: tuple[str, ...] = ()
    lang: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "score": None if self.score is None else round(self.score, 4),
        }
        if self.reason is not None:
            out["reason"] = self.reason
        if self.probabilities:
            out["probabilities"] = {k: round(v, 4) for k, v in self.probabilities.items()}
        if self.rating is not None:
            out["rating"] = self.rating
        if self.flags:
            out["flags"] = list(self.flags)
        return out
