"""Body parts a garment type lacks: "胸前的卡通图案" on a skirt, "裤脚" on a shirt.

A claim about a part the product does not have is unfaithful however well the rest of the copy reads, and no
attribute names it ("类型#裙" never says "no bodice"). The data (`values.json`'s `parts`) lists part words per body
region, the regions each 类型 always has, the values or keys that add a region (a 连衣裙 has a bodice, a 背带裤 a
bib: `adds`), and the values that say a region is certainly absent (半身裙: `lacks`). A region the product lacks for
certain makes the mention a `contradiction`; a region merely not evidenced (a 裙 that may or may not be a dress)
makes it `unsupported`. Products without a known 类型 are not checked: nothing says which parts they have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TYPE_KEY = "类型"


@dataclass(frozen=True)
class PartRules:
    region_of: dict[str, str] = field(default_factory=dict)  # lowercased part word -> region
    types: dict[str, frozenset[str]] = field(default_factory=dict)  # 类型 value -> regions it always has
    adds: dict[str, frozenset[str]] = field(default_factory=dict)  # region -> values / keys that add it
    lacks: dict[str, frozenset[str]] = field(default_factory=dict)  # region -> values that rule it out

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> PartRules:
        data = data or {}

        def lowered(mapping: Any) -> dict[str, frozenset[str]]:
            return {str(k): frozenset(str(v).lower() for v in vs) for k, vs in (mapping or {}).items()}

        region_of = {
            str(word).lower(): str(region)
            for region, words in (data.get("regions") or {}).items()
            for word in words
        }
        types = {str(k).lower(): frozenset(str(r) for r in rs) for k, rs in (data.get("types") or {}).items()}
        return cls(region_of, types, lowered(data.get("adds")), lowered(data.get("lacks")))

    def missing(self, pairs: Sequence[tuple[str, str]], key: Callable[[str], str]) -> dict[str, bool]:
        """Regions this product lacks -> True when certainly (a `lacks` value), False when only not evidenced.

        `key` maps an attribute name to its canonical key (裙领型 -> 衣领型). Empty when the type is unknown."""
        kinds = [v.lower() for k, v in pairs if key(k) == TYPE_KEY]
        known = [self.types[v] for v in kinds if v in self.types]
        if not known:
            return {}
        have = set().union(*known)
        held = {v.lower() for _, v in pairs} | {key(k).lower() for k, _ in pairs}
        for region, cues in self.adds.items():
            if held & cues:
                have.add(region)
        all_regions = set(self.region_of.values())
        return {r: bool(held & self.lacks.get(r, frozenset())) for r in all_regions - have}
