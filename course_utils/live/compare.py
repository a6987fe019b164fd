"""Realtime, OpenAI Live and Gemini Live side by side: what differs (with sources), and one script
spoken through all three.

``DIFFERENCES`` is the table notebook 07 shows; each row names where its facts come from (the
installed SDKs are the oracle for protocol shapes; provider pages for limits and prices).
``LocalRealtimeServer(fixture=conversation)`` replays a Live conversation as it is (one conversation
model for every voice room: the same audio, the same replies, the tool turn as a function call).
"""
from __future__ import annotations

SDK_OPENAI = "openai 3.57 SDK: openai/types/{realtime,live}/, openai/lib/live/"
SDK_GENAI = "google-genai 3.6 SDK: google/genai/live.py, google/genai/types.py"

#: (aspect, Realtime, OpenAI Live, Gemini Live, sources)
DIFFERENCES: list[tuple[str, str, str, str, str]] = [
    ("who decides turns",
     "the client: turn_detection (server_vad / semantic_vad thresholds) or manual commit + response.create",
     "the model: no VAD settings, no commit; it listens to the stream and decides",
     "the server's activity detection (sensitivity, padding, silence configurable) or the client's "
     "activityStart / activityEnd",
     f"{SDK_OPENAI} (RealtimeSessionCreateRequest.audio.input.turn_detection; live SessionConfig has no such "
     f"field); {SDK_GENAI} (AutomaticActivityDetection)"),
    ("interruption",
     "client stops playback, sends response.cancel and conversation.item.truncate(audio_end_ms = what was heard)",
     "the model goes quiet by itself; there is no cancel or truncate event in the protocol",
     "server sends serverContent.interrupted; the client flushes its buffered audio",
     f"{SDK_OPENAI} (live ClientEvent union); {SDK_GENAI} (LiveServerContent.interrupted)"),
    ("model named in",
     "the URL: /v1/realtime?model=...",
     "the first event: session.start {session: {model}}; a Live model on /v1/realtime is rejected",
     "the setup message: setup.model",
     f"{SDK_OPENAI} (SessionStartEvent); https://developers.openai.com/api/docs/guides/realtime-transcription "
     f"(2026-12-04); {SDK_GENAI} (live.py connect)"),
    ("transcripts",
     "per item: response.output_audio_transcript.delta/done; input via input_audio_transcription events",
     "timestamped pieces session.input/output_transcript.delta (start_ms, end_ms), no done event; the SDK's "
     "TranscriptGrouper makes segments",
     "inputTranscription / outputTranscription text pieces (enable both in setup), not aligned with the audio",
     f"{SDK_OPENAI} (InputTranscriptDeltaEvent, TranscriptGrouper); {SDK_GENAI} (Transcription)"),
    ("tools",
     "function tools in the session; function_call item -> function_call_output + response.create",
     "delegation: session.delegation.created (no task text) answered with session.commentary.append / "
     "thinking.append, or handed to a Responses backend with its own tools",
     "function declarations in setup; toolCall -> toolResponse; toolCallCancellation when interrupted",
     f"{SDK_OPENAI} (DelegationCreatedEvent, CommentaryAppendEvent, SessionConfig.delegation); {SDK_GENAI}"),
    ("audio formats",
     "PCM16 24 kHz; G.711 mu-law / A-law",
     "PCM16 24 or 16 kHz; G.711 mu-law / A-law 8 kHz; fixed at session.start",
     "in: PCM16, rate in the mime type (16 kHz usual); out: PCM16 24 kHz",
     f"{SDK_OPENAI} (live AudioFormat); {SDK_GENAI} (Blob.mime_type); ai.google.dev/gemini-api/docs/live"),
    ("transports",
     "WebSocket, WebRTC, SIP",
     "WebSocket (session.start first), WebRTC (client.live.create with an SDP offer), SIP; sideband connections",
     "WebSocket (BidiGenerateContent); ephemeral tokens for browsers",
     f"{SDK_OPENAI} (resources/live: connect, create, sideband); {SDK_GENAI} (live.py)"),
    ("session limits",
     "60 min per session (unverified here)",
     "expires_at in session.started; session.closed reason 'expired' (value not in the SDK: read expires_at)",
     "15 min audio-only / 2 min with video without context compression; ~10 min per connection (GoAway "
     "first); 128k-token context",
     "openai GA announcement (unverified); openai/types/live/session_resource.py; "
     "https://ai.google.dev/gemini-api/docs/live-session"),
    ("pricing",
     "tokens: user audio 1/100 ms, assistant 1/50 ms; every response re-reads the conversation (cached part "
     "cheaper)",
     "$0.05 per minute of session time, per second, silence included; delegated backends billed apart",
     "tokens: audio 32/s each way; session memory re-read as input every turn",
     "data/pricing/prices.csv + token_rules.csv (sources per row); https://docs.cloud.google.com/vertex-ai/"
     "generative-ai/docs/provisioned-throughput/live-api (session memory re-read)"),
]


def differences_markdown() -> str:
    """The table as Markdown (for a notebook cell's output)."""
    head = "| | Realtime (gpt-realtime-2.1) | OpenAI Live (gpt-live-1.1) | Gemini Live (gemini-3.8-live) | source |\n"
    head += "|---|---|---|---|---|\n"
    return head + "".join(f"| **{a}** | {r} | {lv} | {g} | {s} |\n" for a, r, lv, g, s in DIFFERENCES)


def differences_table():
    """The table to display: HTML that fits a notebook column, sources with short links (plain text as
    its ``text/plain``)."""
    from ..display import HTMLTable

    cols = ["aspect", "Realtime (gpt-realtime-2.1)", "OpenAI Live (gpt-live-1.1)", "Gemini Live (gemini-3.8-live)", "source"]
    return HTMLTable([dict(zip(cols, row)) for row in DIFFERENCES], cols, text=differences_markdown())

