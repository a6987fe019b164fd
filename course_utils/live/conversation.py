"""The scripted conversations the Live stand-ins replay (``data/fixtures/live/<name>/``).

The model (:class:`Conversation` of :class:`Utterance` s, a reply may carry a :class:`Tool`) and the
loader live in :mod:`course_utils.voice.conversation`, one home for every voice room's fixtures; this
module keeps the ``course_utils.live.conversation`` names importable.
"""
from __future__ import annotations

from ..voice.conversation import Conversation, Tool, Utterance, Word, load_conversation

__all__ = ["Conversation", "Tool", "Utterance", "Word", "load_conversation"]
