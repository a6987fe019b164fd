"""Reference solutions of notebook 03's exercises (the code of each solved exercise cell)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
import math

from course_utils import costs


def video_tokens(duration_s, fps=1.0, media_resolution="default", audio=True, prompt_tokens=200):
    """Input tokens of one Gemini 3 call on a video: frames, audio track, prompt."""
    frames = math.ceil(duration_s * fps)
    per_frame = 280 if media_resolution == "high" else 70
    audio_tokens = duration_s * costs.token_rule("gemini_audio_tokens_per_second") if audio else 0
    return frames * per_frame + audio_tokens + prompt_tokens
''',
    "q2": '''# EXERCISE q2
from course_utils import costs


def cost_from_usage(usage, model, on=None):
    """USD of one Gemini call from its usage_metadata: input by modality, output and thinking at the output rate."""
    usd = 0.0
    for detail in usage.prompt_tokens_details or []:
        modality = detail.modality.value.lower()  # video, audio, text, image
        usd += (detail.token_count or 0) * costs.price(model, f"input_{modality}", on)
    output = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
    usd += output * costs.price(model, "output_text", on)
    return usd / 1_000_000
''',
    "q3": '''# EXERCISE q3
my_settings = {"fps": 0.7, "media_resolution": "low"}  # 210 frames x 70 + 9,600 audio + 200 = 24,500 tokens
''',
}
