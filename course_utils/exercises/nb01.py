"""Notebook 01's exercises: end the turn at the right silence, price a session from ``usage``, handle a barge-in.

* q1 runs the learner's ``turn_detection`` through the local Realtime server's VAD on real (espeak-ng)
  speech with a hesitation in the middle: otter-style doctests cannot open a WebSocket, so the check
  is ours.
* q2 compares the learner's price of three ``usage`` blocks with the course's pricing rule, and
  recognises the usual slips (cached tokens at the full rate, one block instead of all, per 1K).
* q3 drives the learner's barge-in handler with a playback sink on a hand-advanced clock, so what
  was played is known to the millisecond, and checks the events it would send against the SDK types.
"""
from __future__ import annotations

import asyncio
import json
from functools import lru_cache

from ..errors import ProtocolError
from ..voice.formats import bytes_per_ms
from ..voice.models import REALTIME_MINI_MODEL, REALTIME_MODEL
from ..voice.playback import ManualClock, VirtualClockSink
from . import Exercise, NotDone

# -- q1: a pause inside a sentence -----------------------------------------------------------------
PAUSE_AT_MS = 1395        # between "... tell me about" and "the history of the telephone?"
PAUSE_ADDED_MS = 650      # the hesitation we add there (the gap becomes about 680 ms)
EXTRA_TAIL_MS = 600       # more quiet after the last word (1.5 s in all)
MAX_END_DELAY_MS = 1200   # the turn must end within this long after the last word


@lru_cache(maxsize=1)
def paused_question() -> bytes:
    """The fixture question "Can you tell me about ... the history of the telephone?" with a hesitation.

    PCM16 24 kHz mono: ``barge_in/user_01`` (espeak-ng speech, see its manifest's provenance) with
    650 ms of its own background noise inserted between two words and 600 ms more at the end."""
    from ..realtime import load_conversation
    from ..voice.formats import ms_to_bytes

    pcm = load_conversation("barge_in").user_audio(0)
    noise = pcm[: ms_to_bytes(300)]  # the clip's quiet lead-in: background noise at about -66 dBFS

    def quiet(ms: int) -> bytes:
        n = ms_to_bytes(ms)
        return (noise * (n // len(noise) + 1))[:n]

    cut = ms_to_bytes(PAUSE_AT_MS)
    return pcm[:cut] + quiet(PAUSE_ADDED_MS) + pcm[cut:] + quiet(EXTRA_TAIL_MS)


@lru_cache(maxsize=1)
def _last_word_ms() -> int:
    """Where the last word of :func:`paused_question` ends (by the VAD's own frames)."""
    import numpy as np

    from ..voice.vad import frame_energy_db, threshold_to_db

    loud = np.flatnonzero(frame_energy_db(paused_question()) >= threshold_to_db(0.5))
    return int(loud[-1] + 1) * 10


async def vad_decisions(turn_detection: dict, pcm: bytes | None = None, timeout: float = 10.0) -> list[tuple[str, int]] | str:
    """Send ``pcm`` (default :func:`paused_question`) to a local Realtime server whose session uses
    ``turn_detection`` (with ``create_response`` off, so nothing is generated); return the server's
    VAD events as ``[("speech_started", audio_start_ms), ("speech_stopped", audio_end_ms), ...]``,
    or the server's error message if it refused the settings."""
    from websockets.asyncio.client import connect

    from ..realtime import LocalRealtimeServer
    from ..voice.audio import b64encode_pcm, chunk_pcm

    pcm = paused_question() if pcm is None else pcm
    settings = {**turn_detection, "create_response": False}
    found: list[tuple[str, int]] = []
    async with LocalRealtimeServer(fixture="barge_in") as server:
        async with connect(f"{server.url}?model=gpt-realtime-2.1", additional_headers={"Authorization": "Bearer local"},
                           open_timeout=timeout) as ws:

            async def until(kind: str) -> str | None:
                while True:
                    event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                    if event["type"] == "error":
                        return event["error"]["message"]
                    if event["type"].startswith("input_audio_buffer.speech_"):
                        key = "audio_start_ms" if event["type"].endswith("started") else "audio_end_ms"
                        found.append((event["type"].split(".")[-1], event[key]))
                    if event["type"] == kind:
                        return None

            await until("session.created")
            await ws.send(json.dumps({"type": "session.update", "session": {
                "type": "realtime", "audio": {"input": {"turn_detection": settings}}}}))
            refused = await until("session.updated")
            if refused:
                return refused
            for chunk in chunk_pcm(pcm, 40):
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": b64encode_pcm(chunk)}))
            # the server handles events in order: once this is answered, every append has been through the VAD
            await ws.send(json.dumps({"type": "session.update", "session": {"type": "realtime", "instructions": "done"}}))
            refused = await until("session.updated")
            if refused:
                return refused
    return found


async def check_turn_detection(td) -> str | None:
    if not isinstance(td, dict):
        return ("give the settings as a dict, the value of session.audio.input.turn_detection, e.g. "
                "{'type': 'server_vad', 'threshold': 0.5, 'prefix_padding_ms': 300, 'silence_duration_ms': ...}")
    if td.get("type") not in ("server_vad", "semantic_vad"):
        return "turn_detection needs a 'type': 'server_vad' (or 'semantic_vad'); without one the server cannot use it"
    silence = td.get("silence_duration_ms")
    if isinstance(silence, (int, float)) and 0 < silence < 10:
        return (f"silence_duration_ms is in milliseconds: {silence} is less than one 10 ms frame "
                f"(did you write seconds?)")
    decisions = await vad_decisions(td)
    if isinstance(decisions, str):
        return f"the server refused these settings: {decisions}"
    stops = [ms for kind, ms in decisions if kind == "speech_stopped"]
    last = _last_word_ms()
    if not stops:
        return ("the turn never ended: after the last word there are 1.5 s of quiet and your VAD wanted more; "
                "silence_duration_ms must be shorter than the quiet after a real end")
    if len(stops) > 1:
        return (f"the hesitation inside the sentence ended the turn at {stops[0]} ms, so the model would answer "
                f"half a question: silence_duration_ms must be longer than the longest pause inside a sentence "
                f"(here about 680 ms)")
    delay = stops[0] - last
    if delay > MAX_END_DELAY_MS:
        return (f"the turn ended {delay} ms after the last word: the user waits that long before every answer; "
                f"stay at or under {MAX_END_DELAY_MS} ms")
    return None


# -- q2: price a session from its usage blocks -------------------------------------------------------
def _usage(text: int, audio: int, cached_text: int, cached_audio: int, out_text: int, out_audio: int) -> dict:
    """A ``response.done`` usage block in the GA shape (as the local server and the API send it)."""
    return {"total_tokens": text + audio + out_text + out_audio, "input_tokens": text + audio,
            "output_tokens": out_text + out_audio,
            "input_token_details": {"text_tokens": text, "audio_tokens": audio, "image_tokens": 0,
                                    "cached_tokens": cached_text + cached_audio,
                                    "cached_tokens_details": {"text_tokens": cached_text, "audio_tokens": cached_audio,
                                                              "image_tokens": 0}},
            "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio}}


#: Three responses of one session (shaped like a longer session of the local server: the prompt grows,
#: and from the second response on most of it is a cached prefix). Made up for the exercise.
USAGES = [_usage(160, 41, 0, 0, 14, 226), _usage(196, 1142, 128, 960, 11, 184), _usage(233, 1566, 192, 1322, 19, 302)]
PRICE_ITEMS = ("text_input", "text_cached_input", "audio_input", "audio_cached_input", "image_input",
               "image_cached_input", "text_output", "audio_output")


def prices_for(model: str = REALTIME_MODEL, on: str | None = None) -> dict[str, float]:
    """``{item: USD per 1M tokens}`` for a Realtime model (from data/pricing via course_utils.costs)."""
    from .. import costs

    return {item: costs.price(model, item, on) for item in PRICE_ITEMS}


def _priced(usages, p, *, cached_full=False, cached_twice=False, one_rate=False, audio_out_as_input=False,
            no_text_out=False, per=1_000_000) -> float:
    usd = 0.0
    for u in usages:
        inp, out = u["input_token_details"], u["output_token_details"]
        hit = inp["cached_tokens_details"]
        for m in ("text", "audio", "image"):
            rate_m = "text" if one_rate else m
            total, cached = inp[f"{m}_tokens"], hit[f"{m}_tokens"]
            if cached_full:
                usd += total * p[f"{rate_m}_input"]
            elif cached_twice:
                usd += total * p[f"{rate_m}_input"] + cached * p[f"{rate_m}_cached_input"]
            else:
                usd += (total - cached) * p[f"{rate_m}_input"] + cached * p[f"{rate_m}_cached_input"]
        usd += (0 if no_text_out else out["text_tokens"] * p["text_output"])
        usd += out["audio_tokens"] * p["audio_input" if audio_out_as_input else ("text_output" if one_rate else "audio_output")]
    return usd / per


def session_cost_reference(usages, prices) -> float:
    return _priced(usages, prices)


Q2_MISTAKES = [
    ("you priced only the last response: every response.done carries its own usage, add them all up",
     lambda u, p: _priced(u[-1:], p)),
    ("you priced the cached tokens at the full input rate: cached_tokens are part of the input and cost a tenth "
     "(or less) of it", lambda u, p: _priced(u, p, cached_full=True)),
    ("you charged the cached tokens twice: they are already counted in text_tokens/audio_tokens, so take them out "
     "before pricing the rest at the full rate", lambda u, p: _priced(u, p, cached_twice=True)),
    ("you priced every token at the text rates: audio input and output have their own, much higher, prices",
     lambda u, p: _priced(u, p, one_rate=True)),
    ("you priced the output audio at the input audio rate: output_token_details.audio_tokens is billed as audio_output",
     lambda u, p: _priced(u, p, audio_out_as_input=True)),
    ("you left out the output text tokens: the spoken reply's transcript is billed as text output too",
     lambda u, p: _priced(u, p, no_text_out=True)),
    ("prices are per 1M tokens: you divided by 1,000", lambda u, p: _priced(u, p, per=1000)),
    ("prices are per 1M tokens: you did not divide at all", lambda u, p: _priced(u, p, per=1)),
]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-6 * abs(b)


def check_session_cost(fn) -> str | None:
    if not callable(fn):
        return "write a function session_cost_usd(usages, prices) that returns the session's cost in USD"
    for model, usages in ((REALTIME_MODEL, USAGES), (REALTIME_MINI_MODEL, USAGES[:2])):
        prices = prices_for(model, "2026-11-25")
        got = fn([json.loads(json.dumps(u)) for u in usages], dict(prices))
        if got is None:
            raise NotDone
        try:
            got = float(got)
        except (TypeError, ValueError):
            return f"return one number (USD), not {type(got).__name__}"
        want = session_cost_reference(usages, prices)
        if _close(got, want):
            continue
        for message, wrong in Q2_MISTAKES:
            if _close(got, wrong(usages, prices)):
                return message
        return (f"for {model} you got ${got:.6f}, the usage blocks cost ${want:.6f}: price each modality's uncached "
                f"input, its cached input, and the output, per 1M tokens, for every block")
    return None


# -- q3: the barge-in handler ------------------------------------------------------------------------
def _sink_with(clock: ManualClock, *items: tuple[str, int]) -> VirtualClockSink:
    """A sink that has received ``items`` ((item_id, ms) each, at clock 0) and plays at real time."""
    sink = VirtualClockSink(speed=1.0, clock=clock)
    for item_id, ms in items:
        sink.write(item_id, b"\1\0" * (24 * ms))
    return sink


def _events(result, scenario: str) -> list[dict] | str:
    if result is None:
        raise NotDone
    if isinstance(result, dict):
        result = [result]
    if not isinstance(result, (list, tuple)):
        return f"return a list of client events (dicts), not {type(result).__name__} ({scenario})"
    from ..realtime import validate_client_event

    for event in result:
        try:
            validate_client_event(event)
        except ProtocolError as exc:
            return f"{event.get('type') if isinstance(event, dict) else event!r} is not a valid client event ({exc})"
    return list(result)


def _truncate_problem(event: dict, item_id: str, played: int, received: int) -> str | None:
    end = event.get("audio_end_ms")
    if event.get("item_id") != item_id:
        return f"you truncated {event.get('item_id')!r}, but the audio cut off was {item_id!r}'s"
    if end == played:
        return None
    if end == received:
        return (f"you truncated at what was received ({received} ms), not at what was played ({played} ms): audio "
                f"arrives ahead of playback, and the user heard only what the sink played")
    as_bytes, as_samples = played * bytes_per_ms(), played * bytes_per_ms() / 2
    if end in (as_bytes, as_samples):
        return f"audio_end_ms is in milliseconds: {end} looks like {'bytes' if end == as_bytes else 'samples'} of PCM16 24 kHz"
    if isinstance(end, (int, float)) and abs(end - played / 1000) < 1e-6:
        return "audio_end_ms is in milliseconds, not seconds"
    return f"audio_end_ms should be what the sink played of {item_id} ({played} ms), not {end}"


def check_barge_in(fn) -> str | None:
    if not callable(fn):
        return "write a function barge_in_events(sink, active_response_id, interrupt_response) returning a list of events"
    # 1. the answer (4 s received) has played for 1.5 s; the server cancels by itself
    clock = ManualClock()
    sink = _sink_with(clock, ("item_A", 4000))
    clock.advance(1.5)
    events = _events(fn(sink, "resp_1", True), "the answer playing, interrupt_response true")
    if isinstance(events, str):
        return events
    if sink.is_playing:
        return ("playback is still running after your handler: stop the sink first (sink.stop()), or the user hears "
                "the old answer over their own voice")
    kinds = [e["type"] for e in events]
    if "response.cancel" in kinds:
        return ("with interrupt_response true the server has already cancelled the response: a second "
                "response.cancel only earns a response_cancel_not_active error")
    truncates = [e for e in events if e["type"] == "conversation.item.truncate"]
    if not truncates:
        return "the server still believes the user heard the whole answer: send conversation.item.truncate"
    problem = _truncate_problem(truncates[0], "item_A", 1500, 4000)
    if problem:
        return problem
    # 2. the same, but the session has interrupt_response false: the client must cancel, then truncate
    clock = ManualClock()
    sink = _sink_with(clock, ("item_A", 4000))
    clock.advance(1.5)
    events = _events(fn(sink, "resp_1", False), "interrupt_response false")
    if isinstance(events, str):
        return events
    kinds = [e["type"] for e in events]
    if "response.cancel" not in kinds:
        return ("with interrupt_response false the server keeps generating the answer: send response.cancel "
                "(and then the truncate)")
    if "conversation.item.truncate" in kinds and kinds.index("conversation.item.truncate") < kinds.index("response.cancel"):
        return ("send response.cancel before conversation.item.truncate: the server refuses to truncate an item "
                "whose response is still running")
    cancel = events[kinds.index("response.cancel")]
    if cancel.get("response_id") not in (None, "resp_1"):
        return f"you cancelled {cancel.get('response_id')!r}; the running response is 'resp_1'"
    if "conversation.item.truncate" not in kinds:
        return "after the cancel, still truncate the item at what was played"
    # 3. two items: the first was heard in full, the second is cut after 1 s
    clock = ManualClock()
    sink = _sink_with(clock, ("item_A", 1000), ("item_B", 3000))
    clock.advance(2.0)
    events = _events(fn(sink, "resp_2", True), "two items, the first one heard in full")
    if isinstance(events, str):
        return events
    truncates = [e for e in events if e["type"] == "conversation.item.truncate"]
    if any(e.get("item_id") == "item_A" for e in truncates):
        return ("item_A was played in full, so it needs no truncate: truncate only the items the stop cut "
                "(sink.stop() returns them with their played ms)")
    if not truncates:
        return "the second item was cut after 1000 ms: truncate it"
    problem = _truncate_problem(truncates[0], "item_B", 1000, 3000)
    if problem:
        return problem
    # 4. the user starts a new turn while nothing plays and nothing runs: there is nothing to interrupt
    clock = ManualClock()
    sink = _sink_with(clock, ("item_A", 1000))
    clock.advance(5.0)
    events = _events(fn(sink, None, False), "nothing playing, no response running")
    if isinstance(events, str):
        return events
    if events:
        return ("nothing was playing and no response was running (a plain new turn): send nothing, "
                f"but you sent {[e['type'] for e in events]}")
    return None


EXERCISES = [
    Exercise(
        "q1",
        "Choose turn_detection settings (a dict, as in session.audio.input.turn_detection) so that on "
        "paused_question() - the fixture question with a 680 ms hesitation in the middle - the hesitation does "
        "not end the turn, while the real end still does, within 1.2 s of the last word. The check runs your "
        "settings through the local Realtime server's VAD.",
        check_turn_detection,
        hints=["Run EnergyVAD(silence_duration_ms=...) on paused_question() for a few values and print the "
               "speech_stopped events, as the cell above does for the second question.",
               "silence_duration_ms is the quiet that ends a turn: it must be longer than the pause inside the "
               "sentence (about 680 ms) and shorter than the quiet after it; every extra ms is added to each answer's "
               "latency.",
               "{'type': 'server_vad', 'threshold': 0.5, 'prefix_padding_ms': 300, 'silence_duration_ms': 800} "
               "has the shape; check the number yourself."],
    ),
    Exercise(
        "q2",
        "Write session_cost_usd(usages, prices): the cost in USD of a Realtime session from the usage block of "
        "each response.done, with prices as {item: USD per 1M tokens} (text_input, text_cached_input, "
        "audio_input, audio_cached_input, image_input, image_cached_input, text_output, audio_output).",
        check_session_cost,
        hints=["Go block by block: input_token_details has text/audio/image tokens, and cached_tokens_details says "
               "how many of each were a cached prefix.",
               "The cached tokens are included in text_tokens/audio_tokens: price (total - cached) at the input rate "
               "and cached at the cached rate. Output: text_tokens at text_output, audio_tokens at audio_output.",
               "Sum over all blocks, then divide by 1,000,000."],
    ),
    Exercise(
        "q3",
        "Write barge_in_events(sink, active_response_id, interrupt_response): called when "
        "input_audio_buffer.speech_started arrives, it stops playback and returns the client events to send, in "
        "order - a response.cancel when the server will not cancel by itself (interrupt_response false and a "
        "response running), and a conversation.item.truncate at what was played for every item the stop cut. "
        "Nothing playing and nothing running: no events.",
        check_barge_in,
        hints=["sink.stop() flushes playback at once and returns {item_id: played_ms} for every item it cut.",
               "Order matters: the server refuses to truncate an item whose response is still running, so a cancel "
               "goes first.",
               "Each truncate is {'type': 'conversation.item.truncate', 'item_id': ..., 'content_index': 0, "
               "'audio_end_ms': played_ms}."],
    ),
]
