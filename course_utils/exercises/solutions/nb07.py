"""Reference solutions for notebook 07 (shown on request with ``grader.solution("q1")``).

q1 uses ``lookup_order`` from the notebook's section 2 (the tests take it from there too)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
SPOKEN_DIGITS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                 "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def delegate(request) -> str:
    """Read the order number from what the caller said, look it up, return the sentence to speak."""
    digits = ""
    for word in request.user_text.lower().split():
        word = word.strip(".,!?;:")
        digits += SPOKEN_DIGITS.get(word, word if word.isdigit() else "")
    if not digits:
        return "What is your order number?"
    return lookup_order(digits)
''',
    "q2": '''# EXERCISE q2
def live_session_usd(events, usd_per_minute: float) -> float:
    """Price a Live session from its own usage events: the last cumulative figure, per second."""
    seconds = 0.0
    for event in events:
        if event.type in ("session.usage.updated", "session.closed"):
            seconds = float(event.usage.seconds)  # cumulative: the latest is the total; session.closed is final
    return seconds / 60 * usd_per_minute
''',
    "q3": '''# EXERCISE q3
import numpy as np


def crossing_minute(a, b):
    """The first minute after 0 where cost curves a and b swap places (straight lines between breakpoints)."""
    xs = np.unique(np.concatenate([a.minutes, b.minutes]))
    xs = xs[xs <= min(a.minutes[-1], b.minutes[-1])]
    d = a.at(xs) - b.at(xs)
    sign = 0.0
    for x0, x1, d0, d1 in zip(xs[:-1], xs[1:], d[:-1], d[1:]):
        if d0 != 0:
            sign = np.sign(d0)
        if sign and d1 != 0 and np.sign(d1) != sign:
            return float(x0 + d0 * (x1 - x0) / (d0 - d1)) if d0 != 0 else float(x0)
    return None
''',
}
