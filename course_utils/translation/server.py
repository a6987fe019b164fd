"""A local OpenAI Realtime translation server: the official SDK talks to it over a real WebSocket.

    async with LocalTranslationServer(fixture="weekly_update", lag_ms=1500, speed=4) as server:
        client = AsyncOpenAI(api_key="...", websocket_base_url=server.websocket_base_url)
        async with client.realtime.translations.connect(model="gpt-realtime-translate") as conn:
            ...                                  # ws://127.0.0.1:PORT/v1/realtime/translations?model=...

or from a shell: ``python -m course_utils.translation.server --port 8766 --lag-ms 1500``.

It implements the interpreter protocol, not a canned script:

* the handshake needs ``?model=gpt-realtime-translate`` and a bearer key; the first event is
  ``session.created`` (``type: "translation"``); ``session.update`` may change
  ``audio.output.language``, ``audio.input.transcription`` and ``audio.input.noise_reduction`` and is
  answered with ``session.updated``.
* ``session.input_audio_buffer.append`` (base64 PCM16 24 kHz mono) goes into a buffer that the
  engine consumes in 200 ms frames, no faster than real time x ``speed`` (a shorter append waits
  for a whole frame; a longer one is split). Model time is the audio consumed: if the client stops
  sending, the interpreter stops too.
* the shared energy VAD segments the audio into phrases. When the n-th phrase starts, the n-th
  recorded translation (in the session's language) is scheduled ``lag_ms`` of model time later (or
  when the previous translation ends, if later): its audio goes out frame by frame as model time
  reaches it (``session.output_audio.delta``), with ``session.output_transcript.delta`` words in step;
  with input transcription configured, ``session.input_transcript.delta`` words follow the speech.
  So the translation streams while the speaker is still talking, ``lag_ms`` behind.
* ``session.close``: the partial frame is padded, silence is fed until every scheduled translation
  has gone out, then ``session.closed`` and the socket closes.
* bad input (not JSON, unknown type, unknown or missing fields, wrong types, bad base64, a WAV or
  FLAC file instead of raw PCM, an odd number of bytes, an oversized append, an unsupported
  language) gets the API's ``error`` event and the session goes on.

Every event it sends is validated against ``openai.types.realtime.RealtimeTranslationServerEvent``
first. What it says comes from the fixture, whatever the speaker says; the lag is this server's
setting (``lag_ms``), not a measurement of the real API.

The code is split along its seams: this module is the server (handshake, the command line);
:mod:`.session` is a connection's protocol and :mod:`.interpreter` its timing (frames, phrases,
scheduled output). The shell they share with the Live stand-in is :mod:`course_utils.standins.openai_ws`.
"""
from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Response

from ..errors import CourseError
from ..standins.openai_ws import OpenAISessionServer, openai_http_error
from ..standins.ws import run_until_interrupted, server_parser
from ..voice.events import EventChecker
from ..voice.models import TRANSLATION_MODEL
from .fixture import DEFAULT_FIXTURE, Monologue, load_monologue
from .interpreter import FRAME_MS
from .session import TranslationSession

PATH = "/v1/realtime/translations"
MODELS = (TRANSLATION_MODEL,)
#: the stand-in's own limit (Realtime's append limit)
MAX_APPEND_BYTES = 15 * 1024 * 1024


class LocalTranslationServer(OpenAISessionServer):
    """The translation stand-in: ``async with LocalTranslationServer() as server: server.websocket_base_url``.

    ``lag_ms``: how far (model time) the interpretation starts behind each phrase's onset; ``speed``:
    how many times real time the engine may consume audio; ``language``: the output language of a new
    session (``None``: the client must set one); ``vad``: the shared energy VAD's settings.
    """

    PATH, ENDPOINT = PATH, "translation"

    def __init__(self, fixture: "str | Monologue" = DEFAULT_FIXTURE, *, lag_ms: float = 1500.0, speed: float = 1.0,
                 language: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 vad: dict | None = None, max_append_bytes: int = MAX_APPEND_BYTES, models: tuple[str, ...] = MODELS,
                 validate: bool = True, keep_events: bool = True):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
        if lag_ms < 0:
            raise CourseError(f"lag_ms must be >= 0 (got {lag_ms}).")
        super().__init__(host, port, validate=validate, keep_events=keep_events)
        self.monologue = fixture if isinstance(fixture, Monologue) else load_monologue(fixture)
        if language is not None and language not in self.monologue.languages:
            raise CourseError(f"The fixture has {', '.join(self.monologue.languages)}, not {language!r}.")
        self.fixture = self.monologue.name
        self.lag_ms, self.speed, self.default_language = float(lag_ms), float(speed), language
        self.vad = {"threshold": 0.5, "prefix_padding_ms": 0, "silence_duration_ms": 600, **(vad or {})}
        self.max_append_bytes, self.models = max_append_bytes, models

    def _server_checker(self) -> EventChecker:
        from openai.types.realtime import RealtimeTranslationServerEvent
        return EventChecker(RealtimeTranslationServerEvent, name="translation server event", report=None)

    def _client_checker(self) -> EventChecker:
        from openai.types.realtime import RealtimeTranslationClientEvent
        return EventChecker(RealtimeTranslationClientEvent, name="translation client event", report=None)

    def _check_query(self, query: str) -> Response | None:
        model = (parse_qs(query).get("model") or [""])[0]
        if not model:
            return openai_http_error(HTTPStatus.BAD_REQUEST, "Missing required query parameter: 'model' "
                                     "(e.g. ?model=gpt-realtime-translate).", "missing_required_parameter")
        if model not in self.models:
            return openai_http_error(HTTPStatus.BAD_REQUEST, f"'{model}' is not a translation model; translation "
                                     f"sessions take {', '.join(self.models)}.", "invalid_model")
        return None

    def _new_session(self, ws: ServerConnection) -> TranslationSession:
        model = (parse_qs(ws.request.path.partition("?")[2]).get("model") or [MODELS[0]])[0]
        return TranslationSession(self, ws, model)

    def _describe(self) -> str:
        return f"{self.fixture}, lag {self.lag_ms:g} ms"

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"LocalTranslationServer(fixture={self.fixture!r}, lag_ms={self.lag_ms:g}, speed={self.speed:g}, {where})"


def main(argv: list[str] | None = None) -> None:
    parser = server_parser("A local OpenAI Realtime translation server (fixture replay).", port=8766,
                           fixture=DEFAULT_FIXTURE, speed_help="consume audio at up to this many times real time")
    parser.add_argument("--lag-ms", type=float, default=1500.0)
    args = parser.parse_args(argv)
    run_until_interrupted(LocalTranslationServer(args.fixture, lag_ms=args.lag_ms, speed=args.speed, host=args.host,
                                                 port=args.port, keep_events=False), LocalTranslationServer.announce)


if __name__ == "__main__":
    main()

__all__ = ["LocalTranslationServer", "TranslationSession", "PATH", "MODELS", "FRAME_MS"]
