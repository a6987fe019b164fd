"""Notebook 07's exercises: a delegation that reads its task from the transcript, a Live session priced
from its own usage events, and the minute where two voice paths' costs cross.

* q1 calls the learner's delegate with the requests the Live client builds (the delegation carries an
  id, the task is in what the caller said) and checks what it would hand back to be spoken.
* q2 runs a real session against the local Live server (the official SDK, ``client.live.connect()``)
  and hands the learner its events; cumulative usage and the final ``session.closed`` figure are the
  traps, and a doctest could not produce those events.
* q3 compares the learner's crossing with :func:`course_utils.live.crossover.crossings` on several pairs
  and shapes; a breakpoint instead of the crossing, a turn number, or where one *minute* of each costs
  the same are named.
"""
from __future__ import annotations

import asyncio
import math

from ..voice.models import GEMINI_LIVE_MODEL, OPENAI_LIVE_MODEL, REALTIME_MINI_MODEL, REALTIME_MODEL
from . import Exercise, NotDone

# -- q1: a delegation ---------------------------------------------------------------------------------
#: (what the caller said since the assistant last spoke, the order number in it or None)
Q1_CASES = [
    ("It is order four eight one five.", "4815"),
    ("My order number is 4815, thanks.", "4815"),
    ("It's order one oh two three.", "1023"),
    ("Sure. Seven seven zero two.", "7702"),
    ("Hi, where is my parcel? It has not come yet.", None),
]


def check_delegate(fn) -> str | None:
    if not callable(fn):
        return "write a function delegate(request) that returns the sentence for the model to speak"
    from ..live import DelegationRequest

    for k, (said, number) in enumerate(Q1_CASES):
        request = DelegationRequest(id=f"deleg_{k:03d}9", offset_ms=1000 * (k + 5), user_text=said)
        got = fn(request)
        if got is None:
            raise NotDone
        if asyncio.iscoroutine(got):
            got.close()
            return "make it a plain function here (LiveClient also takes async ones, but this check wants the string)"
        if not isinstance(got, str):
            return (f"the result goes back as session.commentary.append(content=...) and the model speaks it: return a "
                    f"string, not {type(got).__name__}")
        if request.id in got:
            return ("a delegation's id only names the request: the task is in what the caller said "
                    "(request.user_text), not in the id")
        if number is None:
            if "order number" not in got.lower() or "?" not in got:
                return (f"the caller said {said!r}: no order number in it, so ask for one (a question with 'order "
                        f"number' in it) instead of looking up an empty number; you returned {got!r}")
            continue
        if number not in got:
            if any(ch.isdigit() for ch in said):
                return f"the transcript can carry numerals as well as words: in {said!r} the order is {number}"
            if " oh " in f" {said.lower()} ":
                return f"callers say 'oh' for zero: in {said!r} the order is {number}"
            return f"in {said!r} the order number is {number}, and your answer does not mention it: {got!r}"
    return None


# -- q2: a Live session's price from its events --------------------------------------------------------
USD_PER_MINUTE = 0.05
USAGE_INTERVAL_MS = 5000
SPEED = 50  # the recorded session runs 50 times faster than real time


_RECORDED: list = []


async def recorded_session() -> list:
    """The events of one short session on the local Live server: the caller's first line, then silence,
    23.45 s of audio in all, then ``session.close``. Real SDK event objects (``openai.types.live``);
    recorded once per process."""
    if not _RECORDED:
        _RECORDED.extend(await _record_session())
    return list(_RECORDED)


async def _record_session(timeout: float = 20.0) -> list:
    from openai import AsyncOpenAI

    from ..live import LocalLiveServer
    from ..voice import b64encode_pcm, chunk_pcm, duration_ms, silence
    from ..voice.conversation import load_conversation

    line = load_conversation("support_call").user[0].pcm
    audio = line + silence(23450 - int(duration_ms(line)))
    events = []
    async with LocalLiveServer("support_call", speed=SPEED, usage_interval_ms=USAGE_INTERVAL_MS) as server:
        client = AsyncOpenAI(api_key="local", websocket_base_url=server.websocket_base_url, max_retries=0)
        async with client.live.connect() as conn:
            await conn.session.start(session={"model": OPENAI_LIVE_MODEL})

            async def microphone():  # paced like a microphone at the server's speed, then hang up
                for chunk in chunk_pcm(audio, ms=100):
                    await conn.session.input_audio.append(audio=b64encode_pcm(chunk))
                    await asyncio.sleep(0.1 / SPEED)
                await conn.session.close()

            mic = asyncio.ensure_future(microphone())
            try:
                while True:
                    event = await asyncio.wait_for(conn.recv(), timeout)
                    events.append(event)
                    if event.type == "session.closed":
                        break
            finally:
                mic.cancel()
    return events


def live_cost_reference(events, usd_per_minute: float) -> float:
    usage = [e for e in events if e.type in ("session.usage.updated", "session.closed")]
    closed = [e for e in usage if e.type == "session.closed"]
    last = closed[-1] if closed else (usage[-1] if usage else None)
    return float(last.usage.seconds) / 60 * usd_per_minute if last else 0.0


async def check_live_cost(fn) -> str | None:
    if not callable(fn):
        return "write a function live_session_usd(events, usd_per_minute) returning USD"
    events = await recorded_session()
    dropped = [e for e in events if e.type != "session.closed"]  # the connection dropped before session.closed
    for case, evs, rate in (("whole", events, USD_PER_MINUTE), ("dropped", dropped, USD_PER_MINUTE),
                            ("whole", events, 0.02)):
        got = fn(list(evs), rate)
        if got is None:
            raise NotDone
        try:
            got = float(got)
        except (TypeError, ValueError):
            return f"return one number (USD), not {type(got).__name__}"
        want = live_cost_reference(evs, rate)
        if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12):
            continue
        updates = [float(e.usage.seconds) for e in evs if e.type == "session.usage.updated"]
        final = [float(e.usage.seconds) for e in evs if e.type == "session.closed"]
        seconds = final[-1] if final else updates[-1]
        if case == "dropped" and math.isclose(got, 0.0, abs_tol=1e-12):
            return ("this session has no session.closed (the connection dropped): the seconds were still billed; price "
                    "it from the last session.usage.updated")
        if math.isclose(got, sum(updates + final) / 60 * rate, rel_tol=1e-6):
            return ("session.usage.updated is cumulative: each one reports the total so far, so take the last figure "
                    "instead of adding them up")
        if math.isclose(got, math.ceil(seconds / 60) * rate, rel_tol=1e-6):
            return "Live is billed per second, not rounded up to whole minutes"
        if final and updates and math.isclose(got, updates[-1] / 60 * rate, rel_tol=1e-6):
            return ("session.closed carries the final figure; the last session.usage.updated misses the seconds "
                    "after it")
        if math.isclose(got, seconds * rate, rel_tol=1e-6):
            return "usage.seconds is in seconds and the price is per minute: divide by 60"
        if math.isclose(got, seconds / 3600 * rate, rel_tol=1e-6):
            return "the price is per minute, not per hour: divide the seconds by 60"
        return f"the session billed {seconds:g} s, which is ${want:.6f} at ${rate:g}/min; you said ${got:.6f}"
    return None


# -- q3: where two cost curves cross ------------------------------------------------------------------
def _pairs():
    from ..live.crossover import ConversationShape, cost_curves

    def by_model(curves):
        return {c.model: c for c in curves}

    base = by_model(cost_curves(10, on="2026-11-25"))
    no_cache = by_model(cost_curves(10, on="2026-11-25", caching=False))
    fast = by_model(cost_curves(10, ConversationShape(turns_per_minute=6, user_talk_fraction=0.3,
                                                      assistant_talk_fraction=0.5), on="2026-11-25"))
    cascade = next(m for m in base if m not in (REALTIME_MODEL, REALTIME_MINI_MODEL, OPENAI_LIVE_MODEL,
                                                GEMINI_LIVE_MODEL))
    return [(no_cache[REALTIME_MINI_MODEL], no_cache[OPENAI_LIVE_MODEL]),
            (base[GEMINI_LIVE_MODEL], base[OPENAI_LIVE_MODEL]),
            (base[REALTIME_MODEL], base[OPENAI_LIVE_MODEL]),
            (fast[GEMINI_LIVE_MODEL], fast[OPENAI_LIVE_MODEL]),
            (base[cascade], base[OPENAI_LIVE_MODEL])]


def crossing_reference(a, b) -> float | None:
    from ..live.crossover import crossings

    found = crossings(a, b)
    return found[0].minutes if found else None


def _breakpoints_around(a, b, x: float) -> tuple[float, float]:
    import numpy as np

    xs = np.unique(np.concatenate([a.minutes, b.minutes]))
    i = int(np.searchsorted(xs, x))
    return float(xs[max(0, i - 1)]), float(xs[min(len(xs) - 1, i)])


def _marginal_crossing(a, b) -> float | None:
    """Where one minute of each costs the same (the mistake), on a fine grid."""
    import numpy as np

    xs = np.arange(1.0, min(a.minutes[-1], b.minutes[-1]) + 1e-9, 0.005)
    d = np.array([a.per_minute(x) - b.per_minute(x) for x in xs])
    flips = np.flatnonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)
    return float(xs[flips[0]]) if len(flips) else None


TOLERANCE_MIN = 0.01


def check_crossing(fn) -> str | None:
    if not callable(fn):
        return "write a function crossing_minute(a, b) returning minutes (a float) or None"
    for a, b in _pairs():
        want = crossing_reference(a, b)
        got = fn(a, b)
        label = f"{a.label} vs {b.label}"
        if want is None:
            if got is not None:
                return (f"{label}: the two curves never swap places in these {a.minutes[-1]:g} minutes (one is cheaper "
                        f"all along), so return None; you returned {got!r}")
            continue
        if got is None:
            return f"{label}: they do cross, at {want:.2f} min; look for where the difference a - b changes sign"
        try:
            got = float(got)
        except (TypeError, ValueError):
            return f"return minutes as a number, not {type(got).__name__}"
        if abs(got - want) <= TOLERANCE_MIN:
            continue
        if got == 0.0:
            return "every curve starts at (0, 0): that is not a crossing; look for a change of sign after minute 0"
        tpm = 1.0 / float(a.minutes[1] - a.minutes[0])
        if got > 1.5 * want and abs(got / tpm - want) <= 1.0 / tpm + TOLERANCE_MIN:
            return f"{label}: {got:g} looks like a turn number; the curves' x axis (a.minutes) is in minutes"
        x0, x1 = _breakpoints_around(a, b, want)
        if abs(got - x0) <= 1e-6 or abs(got - x1) <= 1e-6:
            return (f"{label}: {got:g} min is a turn's end, where you saw the order flip; the lines cross inside that "
                    f"segment, at {want:.2f} min: solve for the zero of the straight line between the two ends")
        marginal = _marginal_crossing(a, b)
        if marginal is not None and abs(got - marginal) <= 0.05:
            return (f"{label}: at {got:.2f} min one more minute of each costs the same; the question is where the "
                    f"whole call costs the same (the cumulative curves), at {want:.2f} min")
        return f"{label}: they cross at {want:.2f} min, you said {got:.2f}"
    return None


EXERCISES = [
    Exercise(
        "q1",
        "Write delegate(request): the function LiveClient calls on session.delegation.created. The request has no "
        "task text, only an id and what the caller said since the assistant last spoke (request.user_text). Find "
        "the order number in it (spoken digits, 'oh' for zero, or numerals), look it up with lookup_order, and "
        "return the sentence for the model to speak; with no number in it, return a question asking for the "
        "order number.",
        check_delegate,
        hints=["Split request.user_text into words, strip punctuation, map number words to digits (and 'oh' to 0), "
               "keep numerals as they are.",
               "No digits at all? Return something like 'What is your order number?' instead of calling lookup_order('').",
               "The result goes back through session.commentary.append(content=...): a plain string."],
    ),
    Exercise(
        "q2",
        "Write live_session_usd(events, usd_per_minute): the cost of a GPT-Live session from the server events "
        "it received (SDK objects: session.usage.updated and session.closed carry usage.seconds), at "
        "usd_per_minute. If the connection dropped before session.closed, price what the last usage update says.",
        check_live_cost,
        hints=["usage.seconds is cumulative: each update is the session's total so far.",
               "session.closed has the final figure; billing is per second, not rounded up to minutes."],
    ),
    Exercise(
        "q3",
        "Write crossing_minute(a, b): the first minute after 0 at which the cost curves a and b (CostCurve: "
        "a.minutes and a.usd are the breakpoints, straight lines in between) swap places, or None if they "
        "never do.",
        check_crossing,
        hints=["Put both curves on the same x values (the union of their breakpoints; a.at(x) interpolates) and "
               "look at d = a.at(x) - b.at(x).",
               "Both start at 0, so skip the start; find the first segment where d changes sign.",
               "On that segment d is a straight line: it is zero at x0 + d0 * (x1 - x0) / (d0 - d1)."],
    ),
]
