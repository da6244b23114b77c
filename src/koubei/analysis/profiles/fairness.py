"""How protected attributes (gender, age, region, where the store has them) are distributed in a group of users
(a segment, a target list) against the whole user base, so a skew is visible before a campaign goes out.

Protected attributes are never profile or clustering features unless the user turns them on
(`ProfileConfig.protected_features`); this module only reports. Ages are reported in bands. The skew of an
attribute is the total variation distance between the group's distribution and the base's (0 = identical, 1 =
disjoint); `SKEW_WARNING` or more is flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

PROTECTED_ATTRIBUTES = ("gender", "age", "region")
SKEW_WARNING = 0.2
_AGE_BANDS = (
    (0, 18, "<18"),
    (18, 25, "18-24"),
    (25, 35, "25-34"),
    (35, 45, "35-44"),
    (45, 55, "45-54"),
    (55, 65, "55-64"),
)


def _value(attribute: str, raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "unknown"
    if attribute == "age":
        try:
            age = float(raw)
        except (TypeError, ValueError):
            return str(raw).strip().lower()  # already a band such as "25-34"
        for low, high, band in _AGE_BANDS:
            if low <= age < high:
                return band
        return "65+"
    return str(raw).strip().lower()


def _distribution(
    users: Iterable[str], attributes: Mapping[str, Mapping[str, Any]], attribute: str
) -> dict[str, float]:
    counts = Counter(_value(attribute, (attributes.get(u) or {}).get(attribute)) for u in users)
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in sorted(counts.items())} if total else {}


def present_attributes(
    attributes: Mapping[str, Mapping[str, Any]], names: Iterable[str] = PROTECTED_ATTRIBUTES
) -> list[str]:
    """The protected attributes at least one user has."""
    return [a for a in names if any((attrs or {}).get(a) not in (None, "") for attrs in attributes.values())]


def distribution_report(
    group: Iterable[str],
    base: Iterable[str],
    attributes: Mapping[str, Mapping[str, Any]],
    names: Iterable[str] = PROTECTED_ATTRIBUTES,
) -> dict[str, Any]:
    """{"attributes": {attr: {"group": dist, "base": dist, "skew": tvd, "flag": bool}}, "note"} for a group of
    user ids against the base; attributes no user has are left out (and said in the note)."""
    group_ids = list(group)
    base_ids = list(base)
    present = present_attributes(attributes, names)
    report: dict[str, Any] = {}
    for attribute in present:
        g = _distribution(group_ids, attributes, attribute)
        b = _distribution(base_ids, attributes, attribute)
        keys = set(g) | set(b)
        skew = round(0.5 * sum(abs(g.get(k, 0.0) - b.get(k, 0.0)) for k in keys), 4)
        report[attribute] = {"group": g, "base": b, "skew": skew, "flag": skew >= SKEW_WARNING}
    missing = [a for a in names if a not in present]
    note = f"the store has no {', '.join(missing)} for any user" if missing else ""
    return {"group_size": len(group_ids), "base_size": len(base_ids), "attributes": report, "note": note}
