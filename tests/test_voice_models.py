"""Model names have one home (course_utils.voice.models): estimators and clients use its constants."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from course_utils.voice import models

ROOT = Path(__file__).resolve().parents[1] / "course_utils"
NAMES = {getattr(models, n) for n in models.__all__}


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """String constants in code (docstrings and f-string text excluded)."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


@pytest.mark.parametrize("rel", ["costs/voice.py", "costs/video.py", "cost_lab.py", "video/understand.py",
                                 "exercises/nb01.py", "exercises/nb07.py", "exercises/nb08.py"])
def test_no_literal_model_names(rel):
    literal = [(line, s) for line, s in _string_literals(ROOT / rel) if s in NAMES]
    assert not literal, f"{rel} spells model ids; import them from course_utils.voice.models: {literal}"


def test_default_model_is_never_a_literal():
    """Every module-level ``DEFAULT_MODEL`` is a constant of voice.models under a local name."""
    for path in ROOT.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DEFAULT_MODEL" for t in node.targets):
                assert not isinstance(node.value, ast.Constant), f"{path}: DEFAULT_MODEL is a literal"


def test_defaults_are_the_constants():
    from course_utils import cost_lab, costs
    from course_utils.video import understand

    assert costs.estimate_realtime_conversation().model == models.REALTIME_MODEL
    assert understand.DEFAULT_MODEL == models.GEMINI_VIDEO_MODEL and understand.CHEAP_MODEL == models.GEMINI_VIDEO_CHEAP_MODEL
    assert costs.TRANSLATION_MODEL is models.TRANSLATION_MODEL
    assert set(cost_lab.conversation_growth([1.0])) == {models.REALTIME_MODEL, models.REALTIME_MINI_MODEL,
                                                          models.OPENAI_LIVE_MODEL}
