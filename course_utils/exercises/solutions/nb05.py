"""Reference solutions of notebook 05's exercises (the code of each solved exercise cell)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
import math


def image_tokens(width, height, detail="high"):
    """Input tokens of one image by OpenAI's tile rule (GPT-4o-class)."""
    if detail == "low":
        return 85
    scale = min(1.0, 2048 / max(width, height))  # fit in 2048 x 2048
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))  # shortest side down to 768 px, never up
    width, height = width * scale, height * scale
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)
''',
    "q2": '''# EXERCISE q2
from course_utils.support_vision import VISION_MODEL, VISION_PROMPT


async def describe_screen(client, screen):
    """What the vision model says the screen shows (awaited: the Realtime session's loop keeps running)."""
    response = await client.chat.completions.create(
        model=VISION_MODEL,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": VISION_PROMPT},
            {"type": "image_url", "image_url": {"url": screen.data_url, "detail": "high"}},
        ]}],
    )
    return response.choices[0].message.content
''',
    "q3": '''# EXERCISE q3
from course_utils import costs
from course_utils.voice.models import REALTIME_MODEL


def screen_cost(mode, later_responses, image_tokens=425, description_tokens=70, vision_usd=0.00008):
    """USD one shared screen adds to the call: read once in full, then re-read (cached) by each later response."""
    def price(item):
        return costs.price(REALTIME_MODEL, item) / 1_000_000

    if mode == "image":
        return image_tokens * (price("image_input") + later_responses * price("image_cached_input"))
    return vision_usd + description_tokens * (price("text_input") + later_responses * price("text_cached_input"))
''',
}
