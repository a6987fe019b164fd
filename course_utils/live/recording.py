"""Record mode for Live sessions: save what a real session said as a replayable fixture.

:class:`LiveRecorder` is fed by the client (every server event it receives, every chunk of audio it
sends). ``save()`` writes ``data/fixtures/live/<name>/`` in the same layout as the synthetic
fixtures, so ``LocalLiveServer(fixture=<name>)`` replays a real session:

* ``conversation.json``: the assistant's replies (runs of output audio, their transcript pieces and
  word timings from the timestamped deltas) and the user's turns (input audio cut at the input
  transcript's timestamps);
* ``audio/*.flac``: 24 kHz mono PCM16;
* ``events.jsonl``: every server event as received (audio payloads replaced by their byte counts);
* ``manifest.json`` with the provenance (model, date, "recorded"), written through
  :func:`course_utils.fixtures.save_fixture`, which scrubs every secret from the text files.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..errors import FixtureError
from ..fixtures import save_fixture
from ..voice.audio import flac_bytes
from ..voice.formats import SAMPLE_RATE, AudioFormat, duration_ms, ms_to_bytes

REPLY_GAP_MS = 250  # output audio separated by more than this much session time starts a new reply


class LiveRecorder:
    """Collects a Live session's traffic for :meth:`save`."""

    def __init__(self, model: str, fmt: AudioFormat, clock: Callable[[], float]):
        """``clock()``: the session timeline in ms as the client knows it (audio sent so far); arrival
        times on that clock separate replies whatever the pace of the session."""
        self.model, self.format, self.clock = model, fmt, clock
        self.events: list[tuple[float, dict]] = []
        self.output: list[tuple[float, bytes]] = []   # (timeline ms at arrival, pcm24) per delta
        self.input = bytearray()                       # everything the client sent (pcm24)

    def received(self, event) -> None:
        import base64

        data = event.model_dump(mode="json", exclude_none=True) if hasattr(event, "model_dump") else dict(event)
        now = self.clock()
        if data.get("type") == "session.output_audio.delta":
            pcm = self.format.decode(base64.b64decode(data["delta"]))
            self.output.append((now, pcm))
            data["delta"] = f"<{len(pcm)} bytes of PCM16 24 kHz>"
        self.events.append((now, data))

    def sent_audio(self, pcm24: bytes) -> None:
        self.input.extend(pcm24)

    # -- building the conversation --------------------------------------------------------------------
    def _replies(self) -> list[dict]:
        """Cut the output audio into replies.

        The server's transcript timestamps decide *whether* replies are separate (a pause of at least
        ``REPLY_GAP_MS`` between words); the arrival times of the audio decide *where* the audio is
        cut: at the longest arrival gap between the last word of one reply and the first of the next
        (audio deltas have no timestamps on the primary WebSocket).
        """
        words = [(t, e) for t, e in self.events if e.get("type") == "session.output_transcript.delta"]
        delegations = [t for t, e in self.events if e.get("type") == "session.delegation.created"]
        groups: list[list[tuple[float, dict]]] = []
        for t, e in words:
            if not groups or e["start_ms"] - groups[-1][-1][1]["end_ms"] >= REPLY_GAP_MS:
                groups.append([])
            groups[-1].append((t, e))
        arrivals = [t for t, _ in self.output]
        cuts = []  # index into self.output where each later reply starts
        for prev, nxt in zip(groups, groups[1:]):
            lo, hi = prev[-1][0], nxt[0][0]
            window = [i for i, t in enumerate(arrivals) if lo <= t <= hi and i > (cuts[-1] if cuts else 0)]
            if not window:
                continue
            gaps = [(arrivals[i] - (arrivals[i - 1] if i > 0 else lo), i) for i in window]
            cuts.append(max(gaps)[1])
        bounds = [0, *cuts, len(self.output)]
        replies = []
        for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
            run = self.output[a:b]
            if not run:
                continue
            mine = [e for _, e in groups[k]] if k < len(groups) else []
            t0, t1 = run[0][0], run[-1][0]
            base = mine[0]["start_ms"] if mine else 0
            replies.append({"pcm": b"".join(p for _, p in run), "text": "".join(e["delta"] for e in mine).strip(),
                            "words": [[e["delta"].strip(), e["start_ms"] - base, e["end_ms"] - base] for e in mine],
                            "start_ms": base, "delegated": any(t0 - 1000 <= d <= t1 for d in delegations)})
        return replies

    def _user_turns(self) -> list[dict]:
        words = [e for _, e in self.events if e.get("type") == "session.input_transcript.delta"]
        turns: list[list[dict]] = []
        for w in words:
            if not turns or w["start_ms"] - turns[-1][-1]["end_ms"] > 800:
                turns.append([])
            turns[-1].append(w)
        out = []
        for turn in turns:
            a, b = turn[0]["start_ms"], turn[-1]["end_ms"]
            lo_ms, hi_ms = max(0, a - 300), b + 300          # keep a little silence around the speech
            pcm = bytes(self.input[ms_to_bytes(lo_ms):ms_to_bytes(hi_ms)])
            out.append({"pcm": pcm, "text": "".join(w["delta"] for w in turn).strip(),
                        "words": [[w["delta"].strip(), w["start_ms"] - lo_ms, w["end_ms"] - lo_ms] for w in turn],
                        "end_ms": b})
        return out

    def save(self, name: str, secrets: list[str] | tuple[str, ...] = (), root: Path | None = None) -> Path:
        """Write the fixture folder; returns its path."""
        replies, users = self._replies(), self._user_turns()
        if not replies:
            raise FixtureError("Nothing to save: the recorded Live session has no assistant audio.")
        files: dict[str, bytes | str] = {}
        conv_user, conv_assistant = [], []
        for i, u in enumerate(users):
            rel = f"audio/user_{i + 1:02d}.flac"
            files[rel] = flac_bytes(u["pcm"])
            conv_user.append({"text": u["text"], "audio": rel, "duration_ms": round(duration_ms(u["pcm"])),
                              "words": u["words"]})
        pending_tool: dict | None = None
        for i, r in enumerate(replies):
            rel = f"audio/assistant_{i + 1:02d}.flac"
            files[rel] = flac_bytes(r["pcm"])
            before = [u["end_ms"] for u in users if u["end_ms"] <= r["start_ms"]]
            entry = {"text": r["text"], "audio": rel, "duration_ms": round(duration_ms(r["pcm"])), "words": r["words"],
                     "think_ms": int(min(2000, r["start_ms"] - before[-1])) if before else 400}
            if pending_tool is not None:  # the reply after a delegation is its follow-up
                pending_tool["then"] = entry
                pending_tool = None
                continue
            if r["delegated"]:
                entry["tool"] = pending_tool = {"name": "client_delegation", "arguments": {}, "description":
                                                "work the live model delegated to the application (recorded)",
                                                "parameters": {"type": "object", "properties": {}}}
            conv_assistant.append(entry)
        if pending_tool is not None and "then" not in pending_tool:
            conv_assistant[-1].pop("tool")
        conversation = {"instructions": "", "sample_rate": SAMPLE_RATE, "user": conv_user, "assistant": conv_assistant}
        files["conversation.json"] = json.dumps(conversation, indent=1)
        files["events.jsonl"] = "".join(json.dumps(e) + "\n" for _, e in self.events)
        manifest = {"name": name, "area": "live",
                    "provenance": f"recorded: a live OpenAI Live session with {self.model} on "
                                  f"{date.today().isoformat()} by course_utils.live (record mode); secrets scrubbed; "
                                  f"replies cut from the output audio at pauses, word timings from the "
                                  f"session's timestamped transcript deltas",
                    "made_by": "course_utils.live.recording.LiveRecorder", "model": self.model}
        return save_fixture("live", name, manifest, files, secrets=secrets, root=root)


class GeminiRecorder:
    """Collects a Gemini Live session for :meth:`save` (``data/fixtures/gemini_live/<name>/``).

    Gemini's turns are explicit (``turn_complete``), so each model turn's audio is one reply, split
    at a tool call into the reply and its follow-up. Transcription pieces carry no timestamps: word
    timings are spread over the reply's audio by word length (an estimate, said in the provenance).
    The user's turns are the clips the client said, exactly.
    """

    def __init__(self, model: str, instructions: str | None, function_declarations: list[dict]):
        self.model, self.instructions, self.declarations = model, instructions or "", function_declarations
        self.events: list[dict] = []
        self.user: list[bytes] = []
        self.turns: list[dict] = [self._turn()]

    @staticmethod
    def _turn() -> dict:
        return {"parts": [bytearray()], "text": [[]], "tool": None, "user_text": []}

    def said(self, pcm24: bytes) -> None:
        self.user.append(bytes(pcm24))

    def received(self, msg, pcm24: bytes | None = None) -> None:
        data = msg.model_dump(mode="json", exclude_none=True)
        sc = data.get("server_content") or {}
        for part in (sc.get("model_turn") or {}).get("parts") or []:
            if "inline_data" in part:
                part["inline_data"]["data"] = f"<{len(pcm24 or b'')} bytes of PCM16 24 kHz>"
        self.events.append(data)
        turn = self.turns[-1]
        if pcm24:
            turn["parts"][-1].extend(pcm24)
        if (sc.get("output_transcription") or {}).get("text"):
            turn["text"][-1].append(sc["output_transcription"]["text"])
        if (sc.get("input_transcription") or {}).get("text"):
            turn["user_text"].append(sc["input_transcription"]["text"])
        if data.get("tool_call"):
            call = data["tool_call"]["function_calls"][0]
            turn["tool"] = {"name": call.get("name", ""), "arguments": call.get("args") or {}}
            turn["parts"].append(bytearray())
            turn["text"].append([])
        if sc.get("turn_complete"):
            self.turns.append(self._turn())

    @staticmethod
    def _utterance(pcm: bytes, words_text: str, rel: str, think_ms: int = 400) -> dict:
        words = words_text.split()
        total = sum(len(w) for w in words) or 1
        dur = duration_ms(pcm)
        out, pos = [], 0.0
        for w in words:
            step = dur * len(w) / total
            out.append([w, round(pos), round(pos + step)])
            pos += step
        return {"text": words_text, "audio": rel, "duration_ms": round(dur), "words": out, "think_ms": think_ms}

    def save(self, name: str, secrets: list[str] | tuple[str, ...] = (), root: Path | None = None) -> Path:
        turns = [t for t in self.turns if any(t["parts"])]
        if not turns:
            raise FixtureError("Nothing to save: the recorded Gemini Live session has no model audio.")
        files: dict[str, bytes | str] = {}
        assistant = []
        for i, t in enumerate(turns):
            rel = f"audio/assistant_{i + 1:02d}.flac"
            files[rel] = flac_bytes(bytes(t["parts"][0]))
            entry = self._utterance(bytes(t["parts"][0]), "".join(t["text"][0]).strip(), rel)
            if t["tool"] is not None and len(t["parts"]) > 1 and t["parts"][1]:
                rel2 = f"audio/assistant_{i + 1:02d}_result.flac"
                files[rel2] = flac_bytes(bytes(t["parts"][1]))
                decl = next((d for d in self.declarations if d.get("name") == t["tool"]["name"]), {})
                entry["tool"] = {**t["tool"], "description": decl.get("description", ""),
                                 "parameters": decl.get("parameters", {}),
                                 "then": self._utterance(bytes(t["parts"][1]), "".join(t["text"][1]).strip(), rel2, 300)}
            assistant.append(entry)
        user = []
        for i, pcm in enumerate(self.user):
            rel = f"audio/user_{i + 1:02d}.flac"
            files[rel] = flac_bytes(pcm)
            text = "".join(turns[i]["user_text"]).strip() if i < len(turns) else ""
            user.append(self._utterance(pcm, text, rel, 0))
        files["conversation.json"] = json.dumps({"instructions": self.instructions, "sample_rate": SAMPLE_RATE,
                                                 "user": user, "assistant": assistant}, indent=1)
        files["events.jsonl"] = "".join(json.dumps(e) + "\n" for e in self.events)
        manifest = {"name": name, "area": "gemini_live", "function_declarations": self.declarations,
                    "provenance": f"recorded: a live Gemini Live session with {self.model} on {date.today().isoformat()} "
                                  f"by course_utils.live (record mode); secrets scrubbed; replies are the model's "
                                  f"turns (split at the tool call), word timings estimated by word length",
                    "made_by": "course_utils.live.recording.GeminiRecorder", "model": self.model}
        return save_fixture("gemini_live", name, manifest, files, secrets=secrets, root=root)
