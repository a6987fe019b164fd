"""The support call's report: :class:`CallResult` (everything one call produced) and its views.

Every view reads the one call's trace (``course_utils.voice.trace.Trace``): latencies from a shared
screen to the agent's first audio, what knowledge reached the agent's conversation, the transcript, the
conversation's items, the itemised cost (Realtime usage plus vision calls, priced by
:mod:`course_utils.costs`), and the call on one timeline. :func:`compare` puts the two ways of sharing a
screen side by side. The call itself is :func:`course_utils.support_case.run_call`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import costs
from .support_screens import load_screen
from .support_vision import VISION_MODEL, VisionResult, screen_item_text


@dataclass
class CallResult:
    """Everything one call produced: responses, vision calls, the conversation, the trace, the ledger entries."""

    mode: str
    model: str
    fixture: str
    speed: float
    trace: Any
    responses: list = field(default_factory=list)          # VoiceReply, in order
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
        calls = {c.call_id: c.raw_arguments or "" for r in self.responses for c in r.tool_calls}
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
                lines.append(f"  tool {ev.info['name']}({calls.get(call_id, '')}) -> "
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
