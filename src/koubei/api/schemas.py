"""Request bodies shared by several routes (pydantic): checked before any pipeline runs, 422 naming the field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from koubei.pipelines.scoring import MAX_TEXTS

# One text's length is checked by the models themselves (too long -> `unscorable` with the reason, as in the CLI);
# this bound only keeps a request from carrying megabytes in one string.
MAX_TEXT_BYTES_HINT = 20_000


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(
        min_length=1,
        max_length=MAX_TEXTS,
        description=f"Texts to analyse, 1 to {MAX_TEXTS}; answers come back in the same order.",
        examples=[["质量很好，物流很快", "太差了，用了三天就坏了"]],
    )


class ScoreRequest(Texts):
    categories: list[str | None] | None = Field(
        default=None, description="The product category of each text (optional, one per text)."
    )


class ExplainRequest(Texts):
    category: str | None = Field(
        default=None, max_length=128, description="Explain as reviews of this category."
    )
