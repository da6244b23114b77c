"""Ingest recipes: documented column mappings for the public data sets in `../shared/data`.

Share cascades in research formats (twitter16_cascades' relative-minute edge lists, Weibo's repost paths) cannot be
expressed as a column mapping; convert them with `koubei wom cascades --cascades FILE --export-shares shares.jsonl`
and then `koubei ingest shares shares.jsonl`.

A recipe is what a user would otherwise type as `--map` options, plus fixed values (`source`) and options (an
undirected edge list is stored as arcs both ways). `koubei ingest reviews FILE --recipe NAME` applies it; explicit
`--map` options still win.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from koubei.errors import BadInputError


@dataclass(frozen=True)
class Recipe:
    name: str
    kind: str
    description: str
    mapping: dict[str, list[str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    undirected: bool = False
    file_format: str | None = None


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            name="online_shopping_10_cats",
            kind="reviews",
            description="Chinese e-commerce reviews (SophonPlus): columns cat,label,review; label 1/0.",
            mapping={"category": ["cat"], "label": ["label"], "text": ["review"]},
            constants={"source": "online_shopping_10_cats"},
        ),
        Recipe(
            name="waimai_10k",
            kind="reviews",
            description="Chinese food-delivery reviews: columns label,review; label 1/0.",
            mapping={"label": ["label"], "text": ["review"]},
            constants={"source": "waimai_10k", "category": "外卖"},
        ),
        Recipe(
            name="amazon_reviews_en",
            kind="reviews",
            description=(
                "English Amazon reviews (McAuley): review_id, user_id, product_id, rating, category, source are "
                "canonical; text falls back to the review title when the body is empty; unix_time -> created_at."
            ),
            mapping={"text": ["text", "title"], "created_at": ["unix_time"]},
        ),
        Recipe(
            name="ego_facebook",
            kind="follows",
            description="SNAP ego-Facebook friendships: plain `u v` lines, undirected, stored as arcs both ways.",
            undirected=True,
            file_format="edges",
        ),
    )
}


def get_recipe(name: str, kind: str) -> Recipe:
    if name not in RECIPES:
        raise BadInputError(f"--recipe {name!r} is unknown; available: {', '.join(sorted(RECIPES))}")
    recipe = RECIPES[name]
    if recipe.kind != kind:
        raise BadInputError(f"recipe {name!r} is for `koubei ingest {recipe.kind}`, not `{kind}`")
    return recipe
