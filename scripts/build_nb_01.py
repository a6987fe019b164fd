"""Build notebooks/01_realtime_voice.ipynb (outputs come from scripts/run_notebooks.py)."""
import sys
from pathlib import Path

from nbbuild import code, header, md, write

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from course_utils import costs  # noqa: E402

FILE = "01_realtime_voice.ipynb"
MODEL = "gpt-realtime-2.1"
# three sessions: a 3-turn Q&A, a 2-turn barge-in, a 3-response tool call
live_usd = sum(costs.estimate_realtime_conversation(MODEL, turns=t, user_seconds_per_turn=4, assistant_seconds_per_turn=a,
                                                    instructions_tokens=100).total_usd
               for t, a in ((3, 8), (2, 8), (3, 3)))

cells = header(
    FILE, "8.4 §1 Realtime voice: the OpenAI Realtime API, over a real WebSocket",
    f"about ${live_usd:.2f} with {MODEL} (three short sessions, eight responses; estimate from data/pricing, "
    f"November 2026 prices)",
    "Section 1 of the chapter: a spoken conversation with a model over one WebSocket, with interruptions and tools. "
    "The chapter's own code no longer runs; this notebook builds the real thing and measures it.\n\n"
    "**In replay mode the replies are replayed from recorded conversation fixtures, whatever the user says.** "
    "A local Realtime-compatible server on 127.0.0.1 speaks the real protocol (the same events, the same VAD "
    "parameters, the same errors), but what the assistant says comes from `data/fixtures/realtime/`, made with "
    "espeak-ng (each fixture's `provenance` says so). In live mode the same cells talk to OpenAI.")

cells += [
    md("## 1. The problem\n"
       "A voice assistant built from three calls in series (speech to text, a chat model, text to speech) waits for "
       "each step before the next can start, and nothing in it knows what the user actually heard. The Realtime API "
       "is one model that hears and speaks, on one WebSocket that stays open: audio goes up in small chunks "
       "(`input_audio_buffer.append`), audio comes back in small chunks (`response.output_audio.delta`), and either "
       "side can interrupt.\n\n"
       "In the Realtime API **your client decides the turns**: it configures voice activity detection (VAD), stops "
       "playback when the user talks, cancels the response and tells the server how much of the reply was heard. "
       "That last part is what most sketches leave out, and it is what this notebook spends the most time on."),

    md("## 2. Why the chapter's code fails today\n"
       "Three things break in the chapter's snippet before the first byte of audio. First, `websockets` 14 and later "
       "renamed `extra_headers` to `additional_headers`; the old name reaches the event loop and is refused. (Port 9 "
       "on 127.0.0.1: the call fails before any connection is tried.)"),
    code("import websockets\n\nprint(\"websockets\", websockets.__version__)\ntry:\n"
         "    async with websockets.connect(\"ws://127.0.0.1:9/v1/realtime\", extra_headers={\"Authorization\": \"Bearer ...\"}):\n"
         "        pass\nexcept TypeError as err:\n    print(\"TypeError:\", err)"),
    md("Second, `asyncio.run(...)` cannot run inside a notebook: Jupyter's kernel already runs an event loop. The old "
       "workaround, `nest_asyncio`, is archived. The fix needs no library: **top-level `await`**, which IPython "
       "supports in every cell."),
    code("import asyncio\n\n\nasync def hello() -> str:\n    return \"hello from a coroutine\"\n\n\ncoro = hello()\n"
         "try:\n    asyncio.run(coro)\nexcept RuntimeError as err:\n    print(\"RuntimeError:\", err)\nfinally:\n"
         "    coro.close()\n\nprint(await hello())  # top-level await: no asyncio.run, no nest_asyncio"),
    md("Third, the protocol itself moved on: the chapter's `OpenAI-Beta: realtime=v1` header, its event names and its "
       "model (`gpt-4o-realtime-preview`, shut down) belong to the beta. Here is the working minimum with "
       "`websockets.asyncio.client.connect` and `additional_headers`, against the local server (in live mode you "
       "would connect to `wss://api.openai.com/v1/realtime?model=gpt-realtime-2.1` with your key). The first event "
       "is always `session.created`."),
    code("import json\n\nfrom websockets.asyncio.client import connect\n\n"
         "from course_utils.realtime import LocalRealtimeServer\n\n"
         "async with LocalRealtimeServer(fixture=\"short_qa\") as server:\n"
         "    headers = {\"Authorization\": f\"Bearer {cfg.key('openai')}\"}  # no OpenAI-Beta header: GA protocol\n"
         "    async with connect(f\"{server.url}?model=gpt-realtime-2.1\", additional_headers=headers) as ws:\n"
         "        first = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))\n\n"
         "print(first[\"type\"], \"->\", first[\"session\"][\"model\"])\nprint(\"input audio:\", first[\"session\"][\"audio\"][\"input\"][\"format\"])\n"
         "print(\"turn detection:\", first[\"session\"][\"audio\"][\"input\"][\"turn_detection\"])"),

    md("## 3. The chapter's session config beside the GA one\n"
       "The installed `openai` SDK carries the protocol's types (`openai.types.realtime.RealtimeClientEvent`); we use "
       "them as the judge. The chapter's beta `session.update` has fields the GA session does not know (`modalities`, "
       "`input_audio_format`, ...) and lacks the one it requires (`type: \"realtime\"`)."),
    code("from course_utils.errors import ProtocolError\nfrom course_utils.realtime import validate_client_event\n\n"
         "beta = {\"type\": \"session.update\", \"session\": {\n"
         "    \"modalities\": [\"text\", \"audio\"], \"instructions\": \"You are a friendly assistant\", \"voice\": \"alloy\",\n"
         "    \"input_audio_format\": \"pcm16\", \"output_audio_format\": \"pcm16\", \"turn_detection\": {\"type\": \"server_vad\"}}}\n\n"
         "ga = {\"type\": \"session.update\", \"session\": {\n"
         "    \"type\": \"realtime\", \"output_modalities\": [\"audio\"], \"instructions\": \"You are a friendly assistant\",\n"
         "    \"audio\": {\n"
         "        \"input\": {\"format\": {\"type\": \"audio/pcm\", \"rate\": 24000},\n"
         "                  \"turn_detection\": {\"type\": \"server_vad\", \"threshold\": 0.5, \"prefix_padding_ms\": 300,\n"
         "                                     \"silence_duration_ms\": 500}},\n"
         "        \"output\": {\"format\": {\"type\": \"audio/pcm\", \"rate\": 24000}, \"voice\": \"marin\"}}}}\n\n"
         "for name, event in ((\"chapter (beta)\", beta), (\"GA\", ga)):\n    try:\n        validate_client_event(event)\n"
         "        print(f\"{name:>14}: valid\")\n    except ProtocolError as err:\n        print(f\"{name:>14}: {err}\")"),
    md("The renames a reader of the chapter needs:\n\n"
       "| chapter (beta) | GA |\n|---|---|\n"
       "| header `OpenAI-Beta: realtime=v1` | no header |\n"
       "| `gpt-4o-realtime-preview-2024-10-01` | `gpt-realtime-2.1` (or `gpt-realtime-2.1-mini`) |\n"
       "| `modalities` | `output_modalities` (audio *or* text) |\n"
       "| `input_audio_format: \"pcm16\"` | `audio.input.format: {type: \"audio/pcm\", rate: 24000}` |\n"
       "| `voice` | `audio.output.voice` |\n| `turn_detection` | `audio.input.turn_detection` |\n"
       "| `response.audio.delta` | `response.output_audio.delta` |\n"
       "| `response.audio_transcript.delta` | `response.output_audio_transcript.delta` |\n"
       "| `response.text.delta` | `response.output_text.delta` |\n"
       "| `conversation.item.created` | `conversation.item.added` / `conversation.item.done` |"),

    md("## 4. Connect with `RealtimeClient`\n"
       "`course_utils.realtime.RealtimeClient` wraps all of this: a background task receives events, audio goes to a "
       "playback sink with a clock, every event sent is checked against the SDK types first. In replay mode it "
       "starts the local server with the fixture you name; `speed=4` paces the audio at four times real time so the "
       "notebook runs quickly (live mode always runs at real time)."),
    code("from course_utils.realtime import RealtimeClient, load_conversation\n\n"
         "SPEED = 4.0 if cfg.is_replay else 1.0\nrt = RealtimeClient(\"gpt-realtime-2.1\", fixture=\"short_qa\", speed=SPEED)\n"
         "await rt.connect()\nprint(rt)"),
    md("Configure the session. `update_session` sends a GA `session.update` and returns the effective session from "
       "`session.updated`; only the fields you send change."),
    code("session = await rt.update_session(instructions=\"Answer in two sentences at most.\", voice=\"marin\")\n"
         "print(\"instructions:\", session[\"instructions\"])\nprint(\"voice:\", session[\"audio\"][\"output\"][\"voice\"])\n"
         "print(\"turn detection:\", session[\"audio\"][\"input\"][\"turn_detection\"])"),

    md("## 5. Send a recorded utterance, hear the reply\n"
       "The user's first question, as the fixture recorded it (espeak-ng speech, 24 kHz mono PCM16, with 400 ms of "
       "quiet before and 900 ms after). `load_audio` would take any WAV/FLAC/numpy audio and convert it."),
    code("from course_utils.voice import audio_widget\n\nqa = load_conversation(\"short_qa\")\n"
         "print(\"provenance:\", qa.manifest[\"provenance\"][:110], \"...\")\nprint(\"user says:\", qa.user_turn(0)[\"text\"])\n"
         "audio_widget(qa.user_audio(0))"),
    md("`say` streams the clip in 40 ms chunks at (real time x `SPEED`). The server's VAD notices the end of speech, "
       "commits the audio as a user item and starts a response; `say` returns when `response.done` arrives."),
    code("reply = await rt.say(qa.user_audio(0))\nprint(reply)\nprint(\"transcript:\", reply.transcript)\nreply.audio_widget()"),

    md("## 6. The measured timeline\n"
       "Every event sent and received is in `rt.trace` with a monotonic timestamp. Per turn it derives: speech end "
       "(the `speech_stopped` event) to the first audio delta, to the first transcript delta, and to "
       "`response.done`. In replay the server waits the fixture's made-up 300 ms (divided by `SPEED`) before the "
       "first delta, so these numbers describe this machine and the fixture, **not** OpenAI: run it live to measure "
       "the API."),
    code("# NBVAL_IGNORE_OUTPUT\n# (timings differ on every run)\nprint(rt.trace.format_table())"),
    md("The chapter's sequence diagram, measured: what the client sent, what the server sent, the audio deltas, and "
       "the arrows for the latencies of the turn."),
    code("from course_utils.voice import plot_timeline\n\nfig = plot_timeline(rt.trace, turn=1)"),

    md("## 7. VAD on a waveform\n"
       "Server VAD decides where the user's turn starts and stops. The local server uses "
       "`course_utils.voice.EnergyVAD` with the API's parameters: `threshold` (0..1, here mapped to a loudness "
       "level), `prefix_padding_ms` (audio kept before the detected onset), `silence_duration_ms` (quiet needed to "
       "end the turn). Run it on the second question and draw its decisions."),
    code("import matplotlib.pyplot as plt\nimport numpy as np\n\nfrom course_utils.voice import EnergyVAD, chunk_pcm\n"
         "from course_utils.voice.vad import frame_energy_db\n\nclip2 = qa.user_audio(1)\nvad = EnergyVAD(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=500)\n"
         "decisions = [ev for chunk in chunk_pcm(clip2, 40) for ev in vad.feed(chunk)]\nfor ev in decisions:\n"
         "    print(f\"{ev.kind:<15} audio_ms={ev.audio_ms:>5}  (decided after {ev.detected_ms} ms of audio)\")\n"
         "print(\"speech in the clip (from the fixture's manifest):\", qa.user_turn(1)[\"speech_ms\"], \"ms\")"),
    code("samples = np.frombuffer(clip2, \"<i2\") / 32768\nt_ms = np.arange(len(samples)) / 24\nlevels = frame_energy_db(clip2)\n"
         "fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True)\nax1.plot(t_ms, samples, lw=0.4, color=\"tab:gray\")\n"
         "ax1.set_ylabel(\"waveform\")\nax2.plot(np.arange(len(levels)) * 10, levels, lw=0.8)\n"
         "ax2.axhline(vad.threshold_db, color=\"tab:red\", ls=\"--\", lw=1, label=f\"threshold 0.5 = {vad.threshold_db:.0f} dBFS\")\n"
         "ax2.set_ylim(-100, 0)\nax2.set_ylabel(\"dBFS per 10 ms\")\nax2.set_xlabel(\"ms into the clip\")\n"
         "start, stop = decisions[0].audio_ms, decisions[1].audio_ms\nonset, last = qa.user_turn(1)[\"speech_ms\"]\n"
         "for ax in (ax1, ax2):\n    ax.axvspan(start, onset, color=\"tab:green\", alpha=0.15)\n"
         "    ax.axvspan(last, stop, color=\"tab:orange\", alpha=0.15)\n    ax.axvline(start, color=\"tab:green\")\n"
         "    ax.axvline(stop, color=\"tab:orange\")\nax1.text(start, 0.8, \" speech_started (onset - 300 ms padding)\", fontsize=8, color=\"tab:green\")\n"
         "ax1.text(last, -0.9, \" speech_stopped (last speech + 500 ms silence)\", fontsize=8, color=\"tab:orange\")\n"
         "ax2.legend(loc=\"upper right\", fontsize=8)\nfig.tight_layout()"),
    md("Now send the same clip to the server. Its positions count from the start of all audio sent in the session, "
       "so they are shifted by the first clip's length (4099.5 ms); otherwise they are the same decisions, give or "
       "take the half millisecond by which the clip boundary misses the VAD's 10 ms frame grid."),
    code("reply2 = await rt.say(clip2)  # say() first lets the previous answer finish playing\nfirst_clip_ms = len(qa.user_audio(0)) / 48\n"
         "vad_events = [e for e in rt.trace.events if e.type.startswith(\"input_audio_buffer.speech_\")][-2:]\n"
         "for e in vad_events:\n    position = e.info.get(\"audio_start_ms\", e.info.get(\"audio_end_ms\"))\n"
         "    print(f\"server {e.type.split('.')[-1]:<15} at {position} ms in the session = {position - first_clip_ms:.0f} ms into this clip\")\n"
         "print(\"transcript:\", reply2.transcript)"),

    md("## 8. Mixed input: a typed question in a spoken conversation\n"
       "Items can be text as well as audio. `ask` adds a user text item (`conversation.item.create` with "
       "`input_text`) and sends `response.create`; the reply is still spoken, with its transcript."),
    code("reply3 = await rt.ask(qa.user_turn(2)[\"text\"])\nprint(\"typed:\", qa.user_turn(2)[\"text\"])\nprint(reply3)\n"
         "print(\"transcript:\", reply3.transcript)"),

    md("## 9. What the session cost, from `usage`\n"
       "Each `response.done` carries a `usage` block. The model re-reads the whole conversation for every response, "
       "so input tokens grow turn by turn; user audio counts 1 token per 100 ms, assistant audio 1 per 50 ms. The "
       "local server computes `usage` with those rules; `course_utils.costs` prices it from `data/pricing/`."),
    code("for r in rt.results:\n    u = r.usage\n"
         "    print(f\"{r.id}: input {u['input_tokens']:>4} tokens ({u['input_token_details']['audio_tokens']} audio, \"\n"
         "          f\"{u['input_token_details']['cached_tokens']} cached), output {u['output_tokens']:>4} tokens \"\n"
         "          f\"({u['output_token_details']['audio_tokens']} audio)\")\nrt.cost()"),
    md("The same usage at the chapter's prices: the launch prices of the shut-down `gpt-4o-realtime-preview` "
       "(a history row, so it has to be asked for on a date when the model still ran)."),
    code("from course_utils import costs\n\nnow = rt.cost().total_usd\n"
         "then = sum(costs.cost_from_realtime_usage(r.usage, \"gpt-4o-realtime-preview\", on=\"2024-11-01\").total_usd for r in rt.results)\n"
         "print(f\"this session on gpt-realtime-2.1 today: ${now:.4f}\")\n"
         "print(f\"the same tokens at the chapter's 2024 launch prices: ${then:.4f} ({then / now:.1f}x)\")\n"
         "await rt.close()"),

    md("## 10. Barge-in, done right\n"
       "The user talks over a long answer. What has to happen, in order:\n\n"
       "1. the server's VAD sends `input_audio_buffer.speech_started`;\n"
       "2. the client **stops playback at once** (the sink flushes its queue);\n"
       "3. the response is cancelled: by the server when `interrupt_response` is true (the default), otherwise the "
       "client sends `response.cancel`;\n"
       "4. the client sends `conversation.item.truncate` with `audio_end_ms` = **what was actually played**, so the "
       "model's memory matches what the user heard. The server drops the unheard audio and the transcript.\n\n"
       "Servers generate audio faster than real time, so it arrives ahead of playback: \"what was received\" is not "
       "\"what was heard\". The sink's play clock knows the difference. Here the local server is told to run up to "
       "3 s ahead (`lead_ms`), and the user listens for about two and a half seconds, then interrupts."),
    code("# NBVAL_IGNORE_OUTPUT\n# (where the cut falls depends on timing)\nbi = load_conversation(\"barge_in\")\n"
         "rt2 = RealtimeClient(\"gpt-realtime-2.1\", fixture=\"barge_in\", speed=SPEED, server_options={\"lead_ms\": 3000})\n"
         "await rt2.connect()\n"
         "await rt2.stream_audio(bi.user_audio(0))                      # the question\n"
         "await rt2.wait_for(lambda: rt2.sink.is_playing, what=\"the answer's audio\")\n"
         "await asyncio.sleep(2.5 / SPEED)                               # the user listens ...\n"
         "await rt2.stream_audio(bi.user_audio(1))                      # ... then talks over the answer\n"
         "interrupted = await rt2.wait_for_response()\nanswer = await rt2.wait_for_response()\n"
         "cut = rt2.truncations[0]\nprint(interrupted.status, \"because\", interrupted.reason)\n"
         "print(f\"received {cut['received_ms']} ms of the answer, played {cut['audio_end_ms']} ms -> truncate at audio_end_ms={cut['audio_end_ms']}\")\n"
         "print(\"heard:\", answer.transcript)"),
    md("On the answer's waveform: everything the fixture holds, what reached the client before the cancel, and the "
       "truncation point the server now keeps."),
    code("full = bi.turns[0].outputs[0].audio\nwave = np.frombuffer(full, \"<i2\") / 32768\nt_ms = np.arange(len(wave)) / 24\n"
         "fig, ax = plt.subplots(figsize=(10, 2.8))\nax.plot(t_ms, wave, lw=0.3, color=\"tab:gray\", label=\"the whole answer (fixture)\")\n"
         "ax.axvspan(0, cut[\"received_ms\"], color=\"tab:blue\", alpha=0.12, label=\"received before the cancel\")\n"
         "ax.axvspan(0, cut[\"audio_end_ms\"], color=\"tab:green\", alpha=0.2, label=\"played (heard)\")\n"
         "ax.axvline(cut[\"audio_end_ms\"], color=\"tab:red\", lw=1.5, label=f\"truncate: audio_end_ms={cut['audio_end_ms']}\")\n"
         "ax.set_xlabel(\"ms into the assistant's answer\")\nax.legend(loc=\"upper right\", fontsize=8)\nfig.tight_layout()"),
    md("Ask the server for its copy of the item: the audio is cut where the user stopped listening and the "
       "transcript is gone, so the model will not assume the user heard the rest."),
    code("item = await rt2.retrieve_item(cut[\"item_id\"])\nprint(\"status:\", item[\"status\"])\n"
         "print(\"content:\", item[\"content\"])"),
    code("# NBVAL_IGNORE_OUTPUT\n# (timings differ on every run)\nprint(rt2.trace.format_table())\n"
         "fig = plot_timeline(rt2.trace, turn=1)"),
    md("What the user heard, by the sink's clock: the start of the long answer, cut, then the short one."),
    code("# NBVAL_IGNORE_OUTPUT\n# (the cut point varies)\nawait rt2.wait_for_playback()\nawait rt2.close()\nrt2.sink.audio()"),

    md("## 11. A tool call\n"
       "Register a plain Python function; its signature and docstring become the tool's JSON schema. When a response "
       "ends with a `function_call` item, the client runs the function, sends a `function_call_output` item and "
       "asks for the next response. (In replay, the fixture decides that the model calls `get_weather` for Paris; "
       "this stand-in weather service returns what the fixture's answer says.)"),
    code("fc = load_conversation(\"function_call\")\nrt3 = RealtimeClient(\"gpt-realtime-2.1\", fixture=\"function_call\", speed=SPEED)\n\n\n"
         "@rt3.tool\ndef get_weather(city: str) -> dict:\n    \"\"\"Current weather for a city.\"\"\"\n"
         "    return {\"city\": city, \"temperature_c\": 18, \"conditions\": \"sunny\", \"wind\": \"light\"}  # a stand-in service\n\n\n"
         "print(json.dumps(rt3.tool_schemas(), indent=1))"),
    code("await rt3.connect()\nawait rt3.update_session(tools=rt3.tool_schemas())\nfinal = await rt3.say(fc.user_audio(0))\n"
         "for r in rt3.results:\n    print(r)\n    for call in r.function_calls:\n"
         "        print(\"   tool call:\", call[\"name\"], call[\"arguments\"], \"->\", get_weather(**json.loads(call[\"arguments\"])))\n"
         "print(\"final answer:\", final.transcript)\nawait rt3.close()"),

    md("## 12. Where next\n"
       "* Live: `course_utils.setup(mode=\"live\", budget_usd=0.50)` with `OPENAI_API_KEY` set, then run the notebook "
       "again: the session is priced in the ledger before it connects and settled from `usage` after. "
       "`mode=\"record\"` also saves the session as a fixture (`RealtimeClient(..., record_as=\"my_session\")`), "
       "keys scrubbed.\n"
       "* From a shell: `python -m course_utils.realtime.server --port 8765 --fixture barge_in` serves the same "
       "protocol to any client, including the official SDK "
       "(`AsyncOpenAI(websocket_base_url=\"ws://127.0.0.1:8765/v1\").realtime.connect(model=...)`).\n"
       "* Notebook 02 compares this with the three-call cascade; notebook 07 covers the newer Live API, where the "
       "model (not your client) decides the turns."),
    md("The ledger lists every priced call of this kernel. Replay mode costs nothing and prices nothing, so it is "
       "empty here; in live mode each session appears with its estimate (reserved before connecting) and its actual "
       "cost (from `usage`)."),
    code("cfg.ledger"),
]

if __name__ == "__main__":
    print(write(FILE, cells))
