"""The result types video understanding returns, whichever model answered: the features of a demo
(:class:`KeyFeatures`, the structured-output schema) and :class:`VideoAnalysis` (answer, tokens, cost)."""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

from pydantic import BaseModel, Field

from .. import costs
from ..display import no_math


class KeyFeature(BaseModel):
    """One product feature the video presents."""

    name: str = Field(description="The feature's name as the video presents it.")
    start: str = Field(description="When the feature's part of the video starts, as MM:SS.")
    end: str = Field(description="When it ends, as MM:SS.")
    evidence: str = Field(description="What is shown on screen and what is said that demonstrates the feature.")
    source: Literal["visual", "audio", "both"] = Field(description="Where the evidence comes from.")


class KeyFeatures(BaseModel):
    """The features of a product demo video, in the order they appear."""

    product: str = Field(description="The product's name.")
    features: list[KeyFeature]


@dataclass
class VideoAnalysis:
    """A Gemini answer about a video, with its token count and its estimated and actual cost."""

    model: str
    prompt: str
    text: str
    parsed: Any
    counted_tokens: int | None
    estimate: costs.CostBreakdown
    actual: costs.CostBreakdown
    usage: Any
    response: Any = field(repr=False)

    @property
    def prompt_tokens(self) -> int:
        """Input tokens the provider billed (Gemini ``prompt_token_count`` / OpenAI ``prompt_tokens``)."""
        return int(getattr(self.usage, "prompt_token_count", None) or getattr(self.usage, "prompt_tokens", 0) or 0)

    def tokens_by_modality(self) -> dict[str, int]:
        details = getattr(self.usage, "prompt_tokens_details", None)
        if not isinstance(details, list):  # OpenAI usage has no per-modality list
            return {}
        return {str(getattr(d.modality, "value", d.modality)): int(d.token_count or 0) for d in details}

    def summary(self) -> str:
        mods = ", ".join(f"{k.lower()} {v:,}" for k, v in self.tokens_by_modality().items())
        return (f"{self.model}: {self.prompt_tokens:,} input tokens{f' ({mods})' if mods else ''}; "
                f"estimated ${self.estimate.total_usd:.4f}, actual ${self.actual.total_usd:.4f}")

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self.text}"

    def _repr_html_(self) -> str:
        return no_math(f"<p><b>{escape(self.summary())}</b></p>"
                       f"<pre style='white-space:pre-wrap'>{escape(self.text)}</pre>")
