"""A local Gemini Live stand-in: ``google-genai``'s ``client.aio.live.connect`` talks to it unchanged.

    async with LocalGeminiLiveServer(fixture="support_call", speed=4) as server:
        client = genai.Client(api_key="...", http_options=server.http_options())
        async with client.aio.live.connect(model="gemini-3.8-live", config=...) as session: ...

The SDK always opens ``wss://<base_url host>/ws/google.ai.generativelanguage.<version>.GenerativeService.
BidiGenerateContent`` (it forces the ``wss`` scheme), so this server speaks TLS with a certificate it
makes at start-up; ``server.http_options()`` gives the SDK the base URL and an SSL context that trusts
that certificate. Same fixture conversations as the OpenAI Live stand-in; the protocol is Gemini's:

* the first message is ``setup`` (model, generation config, system instruction, tools, input/output
  audio transcription, realtime input config); the answer is ``setupComplete``;
* ``realtimeInput`` audio (``audio/pcm;rate=16000`` by default, any rate accepted), ``audioStreamEnd``,
  ``activityStart``/``activityEnd`` when automatic activity detection is disabled, and text;
  ``clientContent`` turns; ``toolResponse`` for function calls;
* the model decides turns with the shared energy VAD (or the client's activity signals), generates
  its reply faster than real time (``generation_rate``; Gemini "generates as quickly as possible,
  clients buffer and play"), as ``serverContent.modelTurn`` audio parts (24 kHz PCM16) with
  ``inputTranscription`` / ``outputTranscription``; ``generationComplete`` when done generating and
  ``turnComplete`` (with ``usageMetadata``) once the audio has had time to play; user speech over a
  reply gives ``interrupted`` then ``turnComplete``; a reply with a tool sends ``toolCall`` and waits
  for the ``toolResponse`` (or sends ``toolCallCancellation`` if the user talks over it);
* bad input closes the WebSocket with code 1007 and a reason, as the real service does (the SDK
  raises ``google.genai.errors.APIError``); an unknown model closes with 1008.

Every message it sends is validated against ``google.genai.types.LiveServerMessage``.
``usageMetadata`` counts 32 tokens per second of audio (``data/pricing/token_rules.csv``) for the
detected user speech and the generated reply, and re-counts the whole context every turn.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import re
import string
from http import HTTPStatus

import pydantic
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .. import costs
from ..errors import CourseError
from ..standins.ws import (
    SessionServer,
    WebSocketSession,
    json_http_response,
    random_id,
    run_until_interrupted,
    server_parser,
)
from ..voice.conversation import Conversation, load_conversation
from ..voice.formats import BYTES_PER_MS, SAMPLE_RATE, silence, to_pcm24
from ..voice.models import GEMINI_LIVE_MODEL
from .engine import EngineSettings, Reply, TurnEngine
from .tls import LocalCertificate, make_local_certificate
from .validate import gemini_server_checker

PATH_RE = re.compile(r"^/ws/google\.ai\.generativelanguage\.(v1|v1beta|v1alpha)\.GenerativeService\."
                     r"BidiGenerateContent$")
LIVE_MODELS = (GEMINI_LIVE_MODEL,)
OUTPUT_MIME = f"audio/pcm;rate={SAMPLE_RATE}"
#: Connection lifetime (Gemini API docs: "about 10 minutes"; a GoAway arrives about 60 s before).
CONNECTION_SECONDS = 600
GOAWAY_BEFORE_SECONDS = 60


class GeminiClose(Exception):
    """Close the WebSocket with ``code`` and ``reason`` (how Gemini Live reports a bad request)."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason[:120]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class GeminiLiveSession(TurnEngine, WebSocketSession):
    """One BidiGenerateContent connection (sending, checked and logged, is the shared
    :class:`~course_utils.standins.ws.WebSocketSession`'s; ``log.sent`` keeps the raw JSON)."""

    def __init__(self, server: "LocalGeminiLiveServer", ws: ServerConnection, conversation: Conversation):
        TurnEngine.__init__(self, conversation, server.settings)
        WebSocketSession.__init__(self, server, ws)
        self.setup: dict | None = None
        self.modalities = ["AUDIO"]
        self.input_transcription = self.output_transcription = False
        self.manual_activity = False
        self.instructions_tokens = 0
        self.assistant_generated_ms = 0.0  # audio generated so far (joins the context)
        self._turn_generated_ms = 0.0
        self._goaway_sent = False

    # -- sending -------------------------------------------------------------------------------------
    def _record(self, event: dict, raw: str) -> None:
        self.log.sent.append(raw)

    def _connection_lost(self) -> None:
        self.closed = True

    async def content(self, **fields) -> None:
        await self.send({"serverContent": fields})

    # -- receiving -----------------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            async for message in self.ws:
                await self.handle(message)
        except GeminiClose as exc:
            self.log.close_code, self.log.closed_reason = exc.code, exc.reason
            await self.ws.close(exc.code, exc.reason)
        except ConnectionClosed:
            pass
        finally:
            await self.shutdown()

    def _parse(self, message: str | bytes) -> dict:
        try:
            data = json.loads(message)
        except ValueError:
            raise GeminiClose(1007, "Invalid JSON payload received.") from None
        if not isinstance(data, dict) or len(data) != 1:
            keys = ", ".join(data) if isinstance(data, dict) else type(data).__name__
            raise GeminiClose(1007, f"Invalid request: a message holds exactly one of setup, clientContent, "
                                    f"realtimeInput, toolResponse (got {keys or 'nothing'}).")
        return data

    @staticmethod
    def _model(model_cls, value, where: str):
        try:
            return model_cls.model_validate_json(json.dumps(value))
        except pydantic.ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(_camel(str(p)) for p in err["loc"] if not isinstance(p, int))
            if err["type"] == "extra_forbidden":
                raise GeminiClose(1007, f"Invalid JSON payload received. Unknown name \"{loc.split('.')[-1]}\" at "
                                        f"'{where}': Cannot find field.") from None
            raise GeminiClose(1007, f"Invalid value at '{where}.{loc}': {err['msg']}.") from None

    async def handle(self, message: str | bytes) -> None:
        from google.genai import types

        data = self._parse(message)
        (key, value), = data.items()
        name = _camel(key)
        self.log.received.append({name: "<audio>" if name == "realtimeInput" and isinstance(value, dict)
                                  and "audio" in value else value})
        if self.setup is None and name != "setup":
            raise GeminiClose(1007, "The first message must be 'setup'.")
        if name == "setup":
            await self._on_setup(value)
        elif name == "realtimeInput":
            await self._on_realtime_input(self._model(types.LiveClientRealtimeInput, value, "realtime_input"))
        elif name == "clientContent":
            content = self._model(types.LiveClientContent, value, "client_content")
            if content.turn_complete is not False and content.turns:
                await self.user_text_turn()
        elif name == "toolResponse":
            await self._on_tool_response(self._model(types.LiveClientToolResponse, value, "tool_response"))
        else:
            raise GeminiClose(1007, f"Invalid JSON payload received. Unknown name \"{key}\": Cannot find field.")

    async def _on_setup(self, value: dict) -> None:
        from google.genai import types

        if self.setup is not None:
            raise GeminiClose(1007, "setup may only be sent once, as the first message.")
        if not isinstance(value, dict):
            raise GeminiClose(1007, "Invalid value at 'setup': expected an object.")
        value = dict(value)
        ric = value.pop("realtimeInputConfig", value.pop("realtime_input_config", None))
        setup = self._model(types.LiveClientSetup, value, "setup")
        model = (setup.model or "").removeprefix("models/")
        if model not in self.server.models:
            raise GeminiClose(1008, f"models/{model} is not found for API version {self.server_version}, or is not "
                                    f"supported for bidiGenerateContent.")
        gen = setup.generation_config
        if gen is not None and gen.response_modalities:
            self.modalities = [str(m.value if hasattr(m, "value") else m) for m in gen.response_modalities]
        self.input_transcription = setup.input_audio_transcription is not None
        self.output_transcription = setup.output_audio_transcription is not None
        if setup.system_instruction is not None:
            text = " ".join(p.text or "" for p in (setup.system_instruction.parts or []))
            self.instructions_tokens = max(1, costs.text_tokens(text))
        settings = self.settings
        if ric is not None:
            cfg = self._model(types.RealtimeInputConfig, ric, "setup.realtime_input_config")
            aad = cfg.automatic_activity_detection
            if aad is not None and aad.disabled:
                self.manual_activity = True
            if aad is not None:
                threshold = {"START_SENSITIVITY_HIGH": 0.4, "START_SENSITIVITY_LOW": 0.6}.get(
                    getattr(aad.start_of_speech_sensitivity, "value", None), settings.vad_threshold)
                silence_ms = aad.silence_duration_ms or {"END_SENSITIVITY_HIGH": 300, "END_SENSITIVITY_LOW": 800}.get(
                    getattr(aad.end_of_speech_sensitivity, "value", None), settings.vad_silence_duration_ms)
                settings = dataclasses.replace(settings, vad_threshold=threshold, vad_silence_duration_ms=silence_ms,
                                               vad_prefix_padding_ms=aad.prefix_padding_ms or settings.vad_prefix_padding_ms)
            if getattr(cfg.activity_handling, "value", None) == "NO_INTERRUPTION":
                settings = dataclasses.replace(settings, interruptions=False)
        self.configure(settings)
        self.setup = value
        await self.send({"setupComplete": {}})

    @property
    def server_version(self) -> str:
        m = PATH_RE.match(self.ws.request.path.partition("?")[0]) if self.ws.request else None
        return m.group(1) if m else "v1"

    async def _on_realtime_input(self, ri) -> None:
        blobs = ([ri.audio] if ri.audio is not None else []) + list(ri.media_chunks or [])
        for blob in blobs:
            mime = (blob.mime_type or "").replace(" ", "")
            m = re.fullmatch(r"audio/pcm(?:;rate=(\d+))?", mime)
            if not m:
                raise GeminiClose(1007, f"Unsupported realtime input mime type '{blob.mime_type}': send "
                                        f"audio/pcm;rate=16000 (16-bit little-endian mono).")
            data = blob.data or b""
            if len(data) % 2:
                raise GeminiClose(1007, f"Invalid audio: {len(data)} bytes is not a whole number of 16-bit samples.")
            if data[:4] in (b"RIFF", b"fLaC", b"OggS"):
                raise GeminiClose(1007, "Invalid audio: got a file with a container header; send raw 16-bit PCM.")
            if data:
                await self.feed(to_pcm24(data, int(m.group(1) or 16000)))
        if ri.audio_stream_end:
            if self.vad.in_speech:  # the microphone closed: whatever was said is complete
                await self.feed(silence(self.settings.vad_silence_duration_ms + 20))
        if ri.activity_start is not None:
            if not self.manual_activity:
                raise GeminiClose(1007, "activityStart is only accepted when automatic activity detection is disabled.")
            from ..voice.vad import VADEvent
            await self._speech_started(VADEvent("speech_started", int(self.timeline_ms), int(self.timeline_ms)))
        if ri.activity_end is not None:
            if not self.manual_activity:
                raise GeminiClose(1007, "activityEnd is only accepted when automatic activity detection is disabled.")
            from ..voice.vad import VADEvent
            await self._speech_stopped(VADEvent("speech_stopped", int(self.timeline_ms), int(self.timeline_ms)))
        if ri.text:
            await self.user_text_turn()

    async def _on_tool_response(self, tr) -> None:
        for fr in tr.function_responses or []:
            if not fr.id or fr.id not in self.awaiting_tool:
                raise GeminiClose(1007, f"Invalid function response: no pending function call with id '{fr.id}'.")
            self.tool_result(fr.id)

    # -- engine hooks -> server messages -----------------------------------------------------------
    async def feed(self, pcm24: bytes) -> None:
        if self.manual_activity:  # no automatic detection: the timeline still advances
            self.timeline_ms += len(pcm24) / BYTES_PER_MS
            if self.user_active:
                await self._emit_user_words(final=False)
            self._wake.set()
            await self.on_timeline()
            return
        await super().feed(pcm24)

    async def on_speech_started(self, event) -> None:
        if self.awaiting_tool and self.settings.interruptions:  # talking over a pending call cancels it
            ids = list(self.awaiting_tool)
            self.awaiting_tool.clear()
            await self.send({"toolCallCancellation": {"ids": ids}})
            await self.content(interrupted=True)
            await self._turn_complete()

    async def on_user_words(self, words) -> None:
        if self.input_transcription:
            for text, _a, _b in words:
                await self.content(inputTranscription={"text": text})

    async def on_reply_audio(self, reply: Reply, pcm24: bytes, start_ms: float) -> None:
        self._turn_generated_ms += len(pcm24) / BYTES_PER_MS
        if "AUDIO" in self.modalities:
            await self.content(modelTurn={"role": "model", "parts": [{"inlineData": {
                "mimeType": OUTPUT_MIME, "data": base64.b64encode(pcm24).decode("ascii")}}]})

    async def on_reply_words(self, reply: Reply, words) -> None:
        for text, _a, _b in words:
            if "TEXT" in self.modalities:
                await self.content(modelTurn={"role": "model", "parts": [{"text": text}]})
            elif self.output_transcription:
                await self.content(outputTranscription={"text": text})

    async def on_generation_complete(self, reply: Reply) -> None:
        if reply.utterance.tool is None:
            await self.content(generationComplete=True)

    async def on_tool_call(self, reply: Reply, call_id: str) -> None:
        tool = reply.utterance.tool
        fc_id = random_id("function-call-", 19, string.digits)
        self.awaiting_tool[fc_id] = self.awaiting_tool.pop(call_id)
        await self.send({"toolCall": {"functionCalls": [{"id": fc_id, "name": tool.name, "args": tool.arguments}]}})

    async def on_reply_finished(self, reply: Reply) -> None:
        await self._turn_complete()

    async def on_reply_interrupted(self, reply: Reply) -> None:
        await self.content(interrupted=True)
        await self._turn_complete()

    async def _turn_complete(self) -> None:
        await self.send({"serverContent": {"turnComplete": True}, "usageMetadata": self._usage()})

    def _usage(self) -> dict:
        """Tokens of this turn: the whole context re-read (instructions, all speech so far) + the reply."""
        from ..costs import token_rule

        tps = token_rule("gemini_audio_tokens_per_second")
        audio_in = round((self.user_speech_ms + self.assistant_generated_ms) / 1000 * tps)
        out = round(self._turn_generated_ms / 1000 * tps)
        self.assistant_generated_ms += self._turn_generated_ms
        self._turn_generated_ms = 0.0
        prompt_details = [{"modality": "AUDIO", "tokenCount": audio_in}]
        if self.instructions_tokens:
            prompt_details.insert(0, {"modality": "TEXT", "tokenCount": self.instructions_tokens})
        prompt = audio_in + self.instructions_tokens
        modality = "AUDIO" if "AUDIO" in self.modalities else "TEXT"
        return {"promptTokenCount": prompt, "responseTokenCount": out, "totalTokenCount": prompt + out,
                "promptTokensDetails": prompt_details, "responseTokensDetails": [{"modality": modality, "tokenCount": out}]}

    async def on_timeline(self) -> None:
        limit = self.server.connection_seconds * 1000
        if not self._goaway_sent and self.timeline_ms >= limit - GOAWAY_BEFORE_SECONDS * 1000:
            self._goaway_sent = True
            left = max(0, int((limit - self.timeline_ms) / 1000))
            await self.send({"goAway": {"timeLeft": f"{left}s"}})
        if self.timeline_ms >= limit:
            raise GeminiClose(1011, "The connection reached its time limit; reconnect with session resumption.")


class LocalGeminiLiveServer(SessionServer):
    """The Gemini Live stand-in over TLS on 127.0.0.1 (see the module docstring)."""

    def __init__(self, fixture: str = "support_call", *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0,
                 generation_rate: float = 3.0, chunk_ms: int = 100, models: tuple[str, ...] = LIVE_MODELS,
                 connection_seconds: int = CONNECTION_SECONDS, validate: bool = True):
        if speed <= 0 or generation_rate <= 0:
            raise CourseError("speed and generation_rate must be positive (1.0 is real time).")
        self.conversation = load_conversation(fixture, "gemini_live")
        self.fixture = fixture
        super().__init__(host, port, validate=validate)
        self.settings = EngineSettings(speed=speed, chunk_ms=chunk_ms, lead_ms=0, generation_rate=generation_rate,
                                       gate_on_timeline=False, tool_call_before_audio=False)
        self.models = models
        self.connection_seconds = connection_seconds
        self._cert: LocalCertificate | None = None

    @property
    def speed(self) -> float:
        return self.settings.speed

    @property
    def base_url(self) -> str:
        """What to give ``genai.Client(http_options={"base_url": ...})`` (the SDK switches it to wss://)."""
        return f"https://{self.host}:{self.bound_port}"

    @property
    def url(self) -> str:
        """The WebSocket URL the SDK opens (API version v1)."""
        return (self.base_url.replace("https://", "wss://")
                + "/ws/google.ai.generativelanguage.v1.GenerativeService.BidiGenerateContent")

    def ssl_context(self):
        """An SSL context that trusts this server's certificate only."""
        if self._cert is None:
            raise CourseError("LocalGeminiLiveServer is not running yet: start it before asking for its certificate.")
        return self._cert.client_context()

    def http_options(self):
        """``types.HttpOptions`` pointing google-genai at this server (base URL + trusted certificate)."""
        from google.genai import types

        return types.HttpOptions(base_url=self.base_url, async_client_args={"ssl": self.ssl_context()})

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.partition("?")[0]
        if not PATH_RE.match(path):
            return _http_error(HTTPStatus.NOT_FOUND, f"No BidiGenerateContent endpoint at {path}.")
        key = request.headers.get("x-goog-api-key") or ("key=" in request.path and "query")
        if not key:
            return _http_error(HTTPStatus.UNAUTHORIZED, "Missing API key: send it in the x-goog-api-key header.")
        return None

    def _server_checker(self):
        return gemini_server_checker(report=None)  # the shared checker (course_utils.voice.events)

    def _new_session(self, ws: ServerConnection) -> GeminiLiveSession:
        return GeminiLiveSession(self, ws, self.conversation)

    async def start(self) -> "LocalGeminiLiveServer":
        self._cert = make_local_certificate()  # a fresh throwaway certificate for each start
        return await super().start()

    def _serve_options(self) -> dict:
        return {**super()._serve_options(), "ssl": self._cert.server_context()}

    def __repr__(self) -> str:
        where = self.base_url if self.running else "not running"
        return f"LocalGeminiLiveServer(fixture={self.fixture!r}, speed={self.speed}, {where})"


def _http_error(status: HTTPStatus, message: str) -> Response:
    return json_http_response(status, {"error": {"code": status.value, "message": message, "status": status.name}})


def main(argv: list[str] | None = None) -> None:
    parser = server_parser("A local Gemini Live stand-in (BidiGenerateContent over TLS).", port=8766,
                           fixture="support_call", speed_help="pace replies at this many times real time")
    parser.add_argument("--cert-out", default="local-gemini-live-cert.pem", help="where to write the server's certificate")
    args = parser.parse_args(argv)

    def announce(server: LocalGeminiLiveServer) -> None:
        with open(args.cert_out, "wb") as f:
            f.write(server._cert.cert_pem)  # the public certificate only, for clients in other processes
        print(f"LocalGeminiLiveServer ({args.fixture}) at {server.url}", flush=True)
        print(f"  trust its certificate: ssl.create_default_context(cafile={args.cert_out!r})", flush=True)

    run_until_interrupted(LocalGeminiLiveServer(args.fixture, host=args.host, port=args.port, speed=args.speed),
                          announce)


if __name__ == "__main__":
    main()
