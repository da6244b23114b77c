"""Discriminatory or stereotyping expressions in copy (region, gender, age, ethnicity, disability), zh + en.

Why a list and not a classifier: a flag here blocks publication, so it must be precise and explainable, and each
team has its own sensitivities to add. Precision rules of the bundled `data/bias.json`: naming a group is never
enough (河南胡辣汤, 东北大米, "for women", "seniors' phone" pass); slurs are flagged, and so is a group joined to a
generalising word and a negative trait (河南人都是骗子, "old people can't use ..."). Each flag carries a neutral
suggestion (女司机 -> 司机, "ghetto" -> "makeshift"). Same engine and file format as the ad-law check.
"""

from __future__ import annotations

from typing import ClassVar

from koubei.generation.flags import Flag
from koubei.generation.rules import RuleSet


class BiasRules(RuleSet):
    """The bias rule set (`data/bias.json`); flags of kind `bias`."""

    KIND: ClassVar[str] = "bias"
    DEFAULT_FILE: ClassVar[str] = "bias.json"


def find_bias(text: str, rules: BiasRules | None = None) -> list[Flag]:
    """Bias flags of `text` with the bundled list (or the given one)."""
    return (rules or BiasRules.load()).find(text)
