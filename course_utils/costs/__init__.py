"""Prices and token rules (from ``data/pricing/``) and the cost functions the notebooks use: the one
place in the course that turns usage, seconds or characters into dollars.

* :mod:`.tables`: ``prices.csv`` and ``token_rules.csv``, price lookups by date, :class:`CostBreakdown`,
  the characters-per-token rule;
* :mod:`.usage`: pricing a response from its ``usage`` (Gemini, OpenAI chat and vision) and image tokens;
* :mod:`.voice`: Realtime, Live, Gemini Live, translation and cascade estimators;
* :mod:`.video`: video understanding and video generation estimators.

Every public name is re-exported here (``from course_utils import costs; costs.price(...)``).

Estimates take a date (``on=``): prices change on dates (a promotion ends, a model shuts down). A
model that is shut down on that date is refused with a one-line error, so retired models can only
be priced as history, by asking for a date when they still ran.
"""
from .tables import (
                     PER_MILLION,
                     PRICING_DIR,
                     CostBreakdown,
                     CostEstimate,
                     CostLine,
                     PriceRow,
                     chars_per_text_token,
                     price,
                     price_row,
                     price_table,
                     pricing_date,
                     sum_costs,
                     text_tokens,
                     token_rule,
                     token_rules,
)
from .usage import chat_cost, cost_from_gemini_usage, openai_image_tokens, transcription_cost, vision_cost
from .video import (
                     cost_from_omni_usage,
                     estimate_gemini_images,
                     estimate_video_generation,
                     estimate_video_understanding,
                     gemini_video_tokens_per_frame,
)
from .voice import (
                     SPEECH_CHARS_PER_SECOND,
                     TRANSLATION_MODEL,
                     TTS_AUDIO_TOKENS_PER_SECOND,
                     ConversationEstimate,
                     cost_from_chat_usage,
                     cost_from_realtime_usage,
                     cost_from_translation_seconds,
                     estimate_cascade_conversation,
                     estimate_chat_reply,
                     estimate_gemini_live,
                     estimate_live_session,
                     estimate_realtime_conversation,
                     estimate_transcription,
                     estimate_translation_session,
                     estimate_tts_reply,
                     realtime_audio_tokens,
)

__all__ = [
    "PER_MILLION", "PRICING_DIR", "CostBreakdown", "CostEstimate", "CostLine", "PriceRow", "chars_per_text_token",
    "price", "price_row", "price_table", "pricing_date", "sum_costs", "text_tokens", "token_rule", "token_rules",
    "chat_cost", "cost_from_gemini_usage", "openai_image_tokens", "transcription_cost", "vision_cost",
    "cost_from_omni_usage",
    "estimate_gemini_images", "estimate_video_generation", "estimate_video_understanding",
    "gemini_video_tokens_per_frame",
    "SPEECH_CHARS_PER_SECOND", "TRANSLATION_MODEL", "TTS_AUDIO_TOKENS_PER_SECOND", "ConversationEstimate",
    "cost_from_chat_usage", "cost_from_realtime_usage", "cost_from_translation_seconds",
    "estimate_cascade_conversation", "estimate_chat_reply", "estimate_gemini_live", "estimate_live_session",
    "estimate_realtime_conversation", "estimate_transcription", "estimate_translation_session",
    "estimate_tts_reply", "realtime_audio_tokens",
]
