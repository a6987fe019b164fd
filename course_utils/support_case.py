"""The chapter's comprehensive case: a video customer-service call (Realtime voice + a shared screen).

A customer talks to a support agent (a Realtime session) and, when asked, shares their screen. The
screen reaches the agent in one of two ways:

* ``"describe"`` (the chapter's way): a vision model (``gpt-6-luna`` through the official ``openai``
  client) describes the screenshot, and the description is injected into the conversation as a user
  text item with ``conversation.item.create``;
* ``"image"`` (the newer way): the screenshot itself goes into the conversation as an ``input_image``
  content part of a ``conversation.item.create``.

Either way the app then sends ``response.create``: creating an item does not make the model answer.
The session uses server VAD with ``create_response: false`` so that the *app* decides when the agent
answers: after the customer stops talking *and* the screen is attached.

    call = await run_call("describe")     # replay: local servers; live: the real APIs
    call.plot(); call.cost(); call.screen_latencies(); call.knowledge()

Everything runs through :class:`course_utils.realtime.client.RealtimeClient` (a real WebSocket to the
local server in replay mode) and ``openai.AsyncOpenAI`` (real HTTP to the local REST stand-in).

This module is the call and its report (:class:`CallResult`); the screenshots and the support tool's
knowledge base are in :mod:`course_utils.support_screens`, the vision call in
:mod:`course_utils.support_vision`, prices in :mod:`course_utils.costs`. Their public names are
re-exported here. A little over ~450 lines on purpose: :class:`CallResult`'s views (latencies,
knowledge, transcript, cost, timeline, plot) all read the one call's trace, so they stay with it.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import costs
from .config import get_config
from .errors import CourseError
from .fixtures import DATA_DIR  # noqa: F401  (sc.DATA_DIR)

# The case's parts, re-exported so ``support_case.X`` keeps working for every name the notebooks use.
from .support_screens import (  # noqa: F401
    ERROR_CODES,
    SCREENS_DIR,
    Screen,
    ground_truth,
    image_match_slice,
    list_screens,
    load_screen,
    lookup_error_code,
)
from .support_vision import (  # noqa: F401
    VISION_FIXTURE,
    VISION_MODEL,
    VISION_PROMPT,
    VisionResult,
    analyze_screen,
    description_item,
    estimate_vision,
    image_item,
    save_vision_exchanges,
    screen_item_text,
    vision_cost,
)
from .voice.models import REALTIME_MODEL

CALL_FIXTURES = {"describe": "support_call", "image": "support_call_image"}
MODES = tuple(CALL_FIXTURES)
INSTRUCTIONS = ("You are a technical support agent for the CloudBox Sync app, on a voice call. Be brief and "
                "friendly. Ask the customer to share their screen when you need to see it, use what the shared "
                "screen shows, and look up error codes with lookup_error_code before explaining them.")
VOICE = "marin"                      # the chapter's "nova" is not a Realtime voice
#: Server VAD finds the end of the customer's speech, but the app creates the response itself, so it
#: can attach a shared screen first.
TURN_DETECTION = {"type": "server_vad", "create_response": False}


# -- the call -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Turn:
    """One customer turn: optionally speak (a user clip of the fixture), optionally share a screen."""

    clip: int | None = None
    screen: str | None = None


CALL_SCRIPT: tuple[Turn, ...] = (
    Turn(clip=0),                                   # "My files stopped syncing..."  -> agent asks for the screen
    Turn(screen="sync_error.png"),                  # share -> agent looks the code up (tool) -> explains
    Turn(clip=1, screen="datetime_settings.png"),   # "I opened the date settings" + share -> agent: switch it on
    Turn(clip=2, screen="sync_ok.png"),             # "It says up to date" + share -> agent wraps up
)


@contextmanager
def _replay_pace(speed: float, used: bool) -> Iterator[None]:
    """In replay, the REST stand-in's recorded latencies run at the same ``speed`` as the Realtime server."""
    if not used or not get_config().is_replay or speed == 1:
        yield
        return
    from .clients import openai_rest_standin

    standin = openai_rest_standin([VISION_FIXTURE])
    old = standin.latency_scale
    standin.latency_scale = old / speed
    try:
        yield
    finally:
        standin.latency_scale = old


@dataclass
class CallResult:
    """Everything one call produced: responses, vision calls, the conversation, the trace, the ledger entries."""

    mode: str
    model: str
    fixture: str
    speed: float
    trace: Any
    responses: list = field(default_factory=list)          # ResponseResult, in order
    visions: list[VisionResult] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)         # the conversation as conversation.item.* events showed it
    server_items: list[dict] | None = None                  # replay: the local server's own conversation state
    image_tokens: dict = field(default_factory=dict)        # screen name -> tokens (tile rule)
    ledger_entries: list = field(default_factory=list)
    user_texts: list[str] = field(default_factory=list)

    # -- time ------------------------------------------------------------------------------------------
    def call_s(self, t: float) -> float:
        """Trace seconds -> call seconds at real speed (replay runs ``speed`` times faster)."""
        return t * self.speed

    def _events(self, direction: str | None = None, etype: str | None = None) -> list:
        return [e for e in self.trace.events if (direction is None or e.direction == direction)
                and (etype is None or e.type == etype)]

    def _first_audio(self) -> dict[str, float]:
        first: dict[str, float] = {}
        for e in self._events("received", "response.output_audio.delta"):
            first.setdefault(e.response_id, e.t)
        return first

    # -- views -------------------------------------------------------------------------------------------
    def screen_latencies(self) -> list[dict]:
        """Per shared screen: call ms from "share" to the first audio of the answer, and the vision call's share."""
        shares = self._events("local", "screen.shared")
        first = self._first_audio()
        created = self._events("received", "response.created")
        visions = {v.screen: v for v in self.visions}
        rows = []
        for ev in shares:
            resp = next((c for c in created if c.t >= ev.t), None)
            t_audio = first.get(resp.response_id) if resp else None
            rows.append({"screen": ev.info["screen"], "mode": self.mode,
                         "share -> first audio ms": None if t_audio is None else round(self.call_s(t_audio - ev.t) * 1000),
                         "vision call ms": round(self.call_s(visions[ev.info["screen"]].latency_ms / 1000) * 1000)
                         if ev.info["screen"] in visions else 0})
        return rows

    def knowledge(self) -> list[dict]:
        """Per screen: what reached the agent's conversation, and which key facts of the ground truth it holds."""
        rows = []
        texts = {v.screen: v.description for v in self.visions}
        for name, tokens in self.image_tokens.items():
            facts = load_screen(name).truth.get("key_facts", [])
            if self.mode == "describe":
                text = texts.get(name, "")
                have = [f for f in facts if f.lower() in text.lower()]
                rows.append({"screen": name, "mode": "describe", "what the agent got": f"{len(text)} characters of text",
                             "tokens (approx.)": costs.text_tokens(screen_item_text(text)),
                             "key facts in it": f"{len(have)}/{len(facts)}",
                             "missing": ", ".join(f for f in facts if f not in have) or "-"})
            else:
                screen = load_screen(name)
                rows.append({"screen": name, "mode": "image",
                             "what the agent got": f"the screenshot ({screen.width}x{screen.height} PNG)",
                             "tokens (approx.)": tokens, "key facts in it": f"{len(facts)}/{len(facts)} (in the pixels)",
                             "missing": "-"})
        return rows

    def transcript(self) -> list[str]:
        """The call as lines, in order (no times, so it reads the same on every run)."""
        lines: list[str] = []
        users = iter(self.user_texts)
        visions = iter(self.visions)
        results = {r.id: r for r in self.responses}
        calls = {c["call_id"]: c for r in self.responses for c in r.function_calls}
        outputs = {i.get("call_id"): i.get("output", "") for i in self.items if i.get("type") == "function_call_output"}
        for ev in sorted(self.trace.events, key=lambda e: e.t):
            if ev.direction == "received" and ev.type == "input_audio_buffer.committed":
                lines.append(f"customer (voice): {next(users, '?')}")
            elif ev.direction == "local" and ev.type == "screen.shared":
                lines.append(f"customer shares the screen: {ev.info['screen']}")
            elif ev.direction == "local" and ev.type == "screen.injected":
                if ev.info["kind"] == "description":
                    v = next(visions)
                    lines.append(f"  -> {v.model} describes it: {v.description}")
                    lines.append("  -> injected as a user text item (conversation.item.create)")
                else:
                    lines.append("  -> sent as an input_image content part (conversation.item.create)")
            elif ev.direction == "local" and ev.type == "tool.ran":
                call_id = ev.info.get("call_id")
                output = outputs.get(call_id, "")
                lines.append(f"  tool {ev.info['name']}({calls.get(call_id, {}).get('arguments', '')}) -> "
                             f"{output[:80]}{'...' if len(output) > 80 else ''}")
            elif ev.direction == "received" and ev.type == "response.done" and ev.response_id in results:
                r = results[ev.response_id]
                if r.transcript:
                    lines.append(f"agent: {r.transcript}")
        return lines

    def conversation(self) -> list[str]:
        """The conversation's items as the ``conversation.item.added``/``.done`` events showed them, one line each."""
        lines = []
        for item in self.items:
            kind, role = item.get("type"), item.get("role", "")
            if kind == "message":
                parts = []
                for p in item.get("content") or []:
                    t = p.get("type")
                    if t == "input_audio":
                        parts.append("[audio]")
                    elif t == "input_image":
                        parts.append(f"[image {len(p.get('image_url') or '') * 3 // 4 // 1024} KiB, detail {p.get('detail')}]")
                    else:
                        text = p.get("text") or p.get("transcript") or ""
                        parts.append(f"{t}: {text[:70]}{'...' if len(text) > 70 else ''}")
                lines.append(f"{role:<9} message  " + " ".join(parts))
            elif kind == "function_call":
                lines.append(f"{'assistant':<9} function_call  {item.get('name')}({item.get('arguments')})")
            elif kind == "function_call_output":
                out = item.get("output") or ""
                lines.append(f"{'app':<9} function_call_output  {out[:60]}{'...' if len(out) > 60 else ''}")
        return lines

    # -- cost -----------------------------------------------------------------------------------------------
    def realtime_cost(self) -> costs.CostBreakdown:
        """The Realtime part, from the ``usage`` of every ``response.done`` (images included: the usage counts them)."""
        parts = [r.cost for r in self.responses if r.cost is not None]
        merged = costs.sum_costs(f"{self.model}", parts)
        out = costs.CostBreakdown(f"{self.model} Realtime session ({len(parts)} responses)")
        for ln in merged.lines:
            out.lines.append(costs.CostLine(f"Realtime: {ln.what}", ln.quantity, ln.unit, ln.usd_per_unit, ln.usd))
        return out

    def cost(self) -> costs.CostBreakdown:
        """The whole call itemised: Realtime (by modality) + every vision call."""
        out = costs.CostBreakdown(f"support call ({self.mode}): {len(self.responses)} agent responses, "
                                  f"{len(self.visions)} vision calls")
        rt = self.realtime_cost()
        out.lines.extend(rt.lines)
        out.notes.extend(rt.notes)
        if self.visions:
            merged = costs.sum_costs("vision", [v.cost for v in self.visions])
            for ln in merged.lines:
                what = ln.what.replace("(tile rule)", f"({len(self.visions)} screens, tile rule)")
                out.lines.append(costs.CostLine(what, ln.quantity, ln.unit, ln.usd_per_unit, ln.usd))
            out.notes.append(self.visions[0].cost.notes[0])
        return out

    def ledger_total(self) -> float:
        """What the ledger recorded for this call (actual cost of its settled entries)."""
        return sum(e.actual_usd or 0.0 for e in self.ledger_entries if e.status == "settled")

    # -- plot -------------------------------------------------------------------------------------------------
    def timeline(self) -> list[dict]:
        """The call's events as rows (call seconds): voice turns, screen events, vision calls, tool calls."""
        rows: list[dict] = []
        starts = self._events("received", "input_audio_buffer.speech_started")
        for ev in self._events("received", "input_audio_buffer.speech_stopped"):
            start = max((s.t for s in starts if s.t <= ev.t), default=ev.t)
            rows.append({"lane": "customer voice", "start": self.call_s(start), "end": self.call_s(ev.t), "label": ""})
        first = self._first_audio()
        for i, r in enumerate(self.responses, 1):
            t = first.get(r.id)
            if t is not None:
                rows.append({"lane": "agent voice", "start": self.call_s(t), "end": self.call_s(t) + r.audio_ms / 1000,
                             "label": f"A{i}"})
        for ev in self._events("local", "screen.shared"):
            rows.append({"lane": "screen", "start": self.call_s(ev.t), "end": None, "label": ev.info["screen"].split(".")[0]})
        for ev in self._events("local", "screen.injected"):
            rows.append({"lane": "screen", "start": self.call_s(ev.t), "end": None,
                         "label": "item.create (" + ev.info["kind"] + ")", "marker": "v"})
        vstarts = self._events("local", "vision.start")
        for s, d in zip(vstarts, self._events("local", "vision.done")):
            rows.append({"lane": "vision model", "start": self.call_s(s.t), "end": self.call_s(d.t), "label": VISION_MODEL})
        for ev in self._events("local", "tool.ran"):
            rows.append({"lane": "tools", "start": self.call_s(ev.t), "end": None, "label": f"{ev.info['name']}()",
                         "marker": "s"})
        return sorted(rows, key=lambda r: r["start"])

    def plot(self, ax=None):
        """The whole call on one matplotlib timeline (call seconds, i.e. at real speed)."""
        import matplotlib.pyplot as plt

        lanes = ["tools", "vision model", "screen", "agent voice", "customer voice"]
        colours = {"customer voice": "tab:blue", "agent voice": "tab:green", "screen": "tab:purple",
                   "vision model": "tab:orange", "tools": "tab:red"}
        if ax is None:
            fig, ax = plt.subplots(figsize=(11, 3.6))
        else:
            fig = ax.figure
        for row in self.timeline():
            y = lanes.index(row["lane"])
            c = colours[row["lane"]]
            if row["end"] is not None:
                ax.barh(y, row["end"] - row["start"], left=row["start"], height=0.5, color=c, alpha=0.7)
                if row["label"]:
                    ax.text(row["start"] + 0.05, y, row["label"], va="center", fontsize=7)
            else:
                ax.plot([row["start"]], [y], row.get("marker", "D"), color=c, ms=6)
                ax.annotate(row["label"], (row["start"], y), xytext=(2, 8 if row.get("marker") != "v" else -12),
                            textcoords="offset points", fontsize=7)
        ax.set_xlim(left=0)
        ax.set_yticks(range(len(lanes)), lanes)
        ax.set_ylim(-0.6, len(lanes) - 0.4)
        ax.set_xlabel("seconds into the call" + (f" (replayed {self.speed:g}x faster, shown at real speed)"
                                                 if self.speed != 1 else ""))
        ax.set_title(f"Support call, screens as {'descriptions' if self.mode == 'describe' else 'images'}: "
                     f"{len(self.responses)} agent responses, {len(self.visions)} vision calls")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return (f"CallResult(mode={self.mode!r}, {len(self.responses)} responses, {len(self.visions)} vision calls, "
                f"{len(self.items)} conversation items, ${self.cost().total_usd:.4f})")


async def _answer(rt) -> list:
    """Wait for the agent's answer, following tool round trips (the client runs registered tools itself)."""
    results = [await rt.wait_for_response()]
    while results[-1].status == "completed" and any(c.get("name") in rt.tools for c in results[-1].function_calls):
        results.append(await rt.wait_for_response())
    await rt.wait_for_playback()
    return results


async def run_call(mode: str = "describe", speed: float = 4.0, script: tuple[Turn, ...] = CALL_SCRIPT,
                   vision_client=None, detail: str = "high", sink=None, model: str = REALTIME_MODEL,
                   url: str | None = None, record_as: str = "support_call_recorded", record_root=None,
                   **client_kwargs) -> CallResult:
    """Play the support call: the customer's recorded turns and shared screens, the agent's answers.

    ``mode`` "describe" (vision model + injected text) or "image" (``input_image`` in the conversation).
    ``speed`` paces replay (4 = four times real speed; live calls always run at real speed).
    ``vision_client`` defaults to ``course_utils.clients.async_openai_client()``; ``url`` points the
    Realtime client at a server you started (tests); other keyword arguments go to ``RealtimeClient``.
    Record mode saves the session as ``realtime/<record_as>_<mode>`` and the vision calls as
    ``support_vision/<record_as>`` (under ``record_root`` if given), secrets scrubbed.
    """
    from .clients import async_openai_client
    from .realtime.client import RealtimeClient
    from .realtime.conversation import load_conversation
    from .voice.trace import Trace

    if mode not in MODES:
        raise CourseError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
    cfg = get_config()
    speed = float(speed) if cfg.is_replay else 1.0
    fixture = CALL_FIXTURES[mode]
    convo = load_conversation(fixture)   # the customer's recorded voice (and, in replay, the agent's turns)
    if mode == "describe" and vision_client is None:
        vision_client = async_openai_client(fixtures=[VISION_FIXTURE])
    trace = Trace()
    result = CallResult(mode, model, fixture, speed, trace)
    first_entry = len(cfg.ledger.entries)  # the client prices its session in every mode (replay: not charged)
    if cfg.is_record:
        client_kwargs.setdefault("record_as", f"{record_as}_{mode}")
        client_kwargs.setdefault("record_root", record_root)
    client_kwargs.setdefault("estimate_turns", 5)
    client_kwargs.setdefault("estimate_user_seconds", 3)
    client_kwargs.setdefault("estimate_assistant_seconds", 6)
    rt = RealtimeClient(model, fixture=fixture, speed=speed, trace=trace, sink=sink, url=url, **client_kwargs)
    rt.tool(lookup_error_code)
    seen: dict[str, dict] = {}

    def keep(event: dict) -> None:
        seen[event["item"]["id"]] = event["item"]

    commits = [0]

    def committed(_event: dict) -> None:
        commits[0] += 1

    rt.on("conversation.item.added", keep)
    rt.on("input_audio_buffer.committed", committed)
    rt.on("conversation.item.done", keep)
    with _replay_pace(speed, used=mode == "describe"):
        async with rt:
            await rt.update_session(instructions=INSTRUCTIONS, voice=VOICE, turn_detection=TURN_DETECTION,
                                    tools=rt.tool_schemas())
            for turn in script:
                if turn.clip is not None:
                    before = commits[0]
                    trace.local("customer.speaks", clip=turn.clip)
                    await rt.stream_audio(convo.user_audio(turn.clip))
                    await rt.wait_for(lambda before=before: commits[0] > before,
                                      what="input_audio_buffer.committed (end of the customer's speech)")
                    result.user_texts.append(convo.user_turn(turn.clip).get("text", ""))
                if turn.screen is not None:
                    screen = load_screen(turn.screen)
                    result.image_tokens[screen.name] = screen.image_tokens(detail)
                    trace.local("screen.shared", screen=screen.name)
                    if mode == "describe":
                        trace.local("vision.start", screen=screen.name)
                        vision = await analyze_screen(vision_client, screen, detail=detail)
                        trace.local("vision.done", screen=screen.name)
                        result.visions.append(vision)
                        trace.local("screen.injected", kind="description", screen=screen.name)
                        await rt.create_item(description_item(vision.description))
                    else:
                        trace.local("screen.injected", kind="image", screen=screen.name)
                        await rt.create_item(image_item(screen, detail))
                await rt.create_response()
                answers = await _answer(rt)
                result.responses.extend(answers)
            if rt.server is not None and getattr(rt.server, "sessions", None):
                result.server_items = [dict(getattr(it, "data", it)) for it in rt.server.sessions[-1].items]
    result.items = list(seen.values())
    result.ledger_entries = list(cfg.ledger.entries[first_entry:])
    if cfg.is_record and result.visions:
        save_vision_exchanges(record_as, result.visions, root=record_root)
    return result


def compare(describe: CallResult, image: CallResult) -> list[dict]:
    """The two ways side by side: latency after a share, cost, what the agent's conversation holds."""
    rows = []
    for call in (describe, image):
        lat = [r["share -> first audio ms"] for r in call.screen_latencies() if r["share -> first audio ms"] is not None]
        rt_cost = call.realtime_cost().total_usd
        total = call.cost().total_usd
        rows.append({
            "way": "vision model -> text item" if call.mode == "describe" else "input_image in the conversation",
            "share -> first audio, mean ms": round(sum(lat) / len(lat)) if lat else None,
            "vision calls": len(call.visions),
            "Realtime $": round(rt_cost, 5),
            "vision $": round(total - rt_cost, 5),
            "call total $": round(total, 5),
            "screen tokens per screen": (round(sum(r["tokens (approx.)"] for r in call.knowledge()) / max(1, len(call.knowledge()))))
        })
    return rows


class Table:
    """Rows of dicts shown as an HTML table in a notebook (and as aligned text elsewhere)."""

    def __init__(self, rows: list[dict], title: str = ""):
        self.rows, self.title = rows, title

    def __repr__(self) -> str:
        if not self.rows:
            return f"{self.title}: (no rows)"
        cols = list(self.rows[0])
        cells = [[str(r.get(c, "")) for c in cols] for r in self.rows]
        width = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
        out = [self.title] if self.title else []
        out.append("  ".join(c.ljust(w) for c, w in zip(cols, width)))
        out += ["  ".join(v.ljust(w) for v, w in zip(row, width)) for row in cells]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        from html import escape

        from .display import no_math

        if not self.rows:
            return f"<p>{escape(self.title)}: (no rows)</p>"
        cols = list(self.rows[0])
        head = "".join(f"<th>{escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>" for r in self.rows)
        title = f"<p><b>{escape(self.title)}</b></p>" if self.title else ""
        return no_math(f"{title}<table><tr>{head}</tr>{body}</table>")  # dollar amounts as text, not maths
