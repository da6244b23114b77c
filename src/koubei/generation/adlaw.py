"""Advertising-law absolute and forbidden claims, Chinese and English, with the context rules that exempt honest copy.

Why rules and not a model: the law is a list (《广告法》第九条（三）names 国家级/最高级/最佳; 第十七条 bans medical
claims outside medical ads; SAMR's 2023 《广告绝对化用语执法指南》 says which uses are not absolute claims), a team
must be able to read and edit why a word was flagged, and every flag must name the rule it breaks.

How: every term and pattern of `data/ad_law.json` is matched on the whole text (one alternation per group of
literal terms, so a 1 MB text costs a few dozen regex passes). A hit is dropped when it lies inside a match of an
exemption (usage instructions such as 最佳使用时间 / 每天最多 / 最多可容纳8人, ordinals such as 第一步, 最近 meaning
"recently", self-comparison such as 本系列中最大 / "than our previous model", "best before", "at most") unless the
exemption's `unless` pattern occurs in the same clause (全国/全网/"in the world" make it a market claim again).
Overlapping hits are merged into one flag. The rule text and suggestion come in the language of the clause.
"""

from __future__ import annotations

from typing import ClassVar

from koubei.generation.flags import Flag
from koubei.generation.rules import RuleSet


class AdLawRules(RuleSet):
    """The ad-law rule set (`data/ad_law.json`); flags of kind `ad_law`."""

    KIND: ClassVar[str] = "ad_law"
    DEFAULT_FILE: ClassVar[str] = "ad_law.json"


def find_ad_law(text: str, rules: AdLawRules | None = None) -> list[Flag]:
    """Ad-law flags of `text` with the bundled rules (or the given ones)."""
    return (rules or AdLawRules.load()).find(text)
