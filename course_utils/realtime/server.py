"""A local Realtime-compatible WebSocket server: the GA protocol as a state machine, fixture replay.

It listens on 127.0.0.1 at the real endpoint's path and query (``/v1/realtime?model=...``) and wants
an ``Authorization: Bearer ...`` header (any value), so a client written for the real API - ours or
the official ``openai`` SDK's - works unchanged. What it *says* comes from a conversation fixture
(``data/fixtures/realtime/<name>``): each response replays the next assistant turn, whatever the
user said. *How* it says it follows the protocol:

* ``session.created`` on connect; ``session.update`` -> ``session.updated`` with the merged session;
* the input audio buffer (append / commit / clear) and server VAD on the audio actually appended
  (:class:`course_utils.voice.EnergyVAD`, honouring ``threshold``, ``prefix_padding_ms``,
  ``silence_duration_ms``, ``create_response``, ``interrupt_response``);
* conversation items (create / delete / retrieve / truncate) with their events;
* the full response event sequence, audio deltas paced at real time x ``speed``, transcript deltas,
  function calls, ``response.done`` with a ``usage`` block computed with the course's token rules;
* ``response.cancel`` and VAD interruption -> ``response.done`` with status ``cancelled``;
* what real servers send beyond the SDK types, so replay is the wire: the session object's ``object``,
  ``id`` and ``expires_at``; ``obfuscation`` padding on text deltas; ``rate_limits.updated`` after each
  ``response.created``; ``conversation.item.added`` and ``.done`` for user items as for assistant ones;
* it reads the socket while it streams and while it closes (``max_queue=None``: a microphone streaming
  at full speed never stops it from seeing the close frame), so both ends close promptly;
* bad input -> an ``error`` event (``invalid_request_error``, the offending ``event_id``); the
  connection stays open. (A bug of the server itself on some event -> an ``error`` of type
  ``server_error``; the session goes on.) The uncommitted input buffer is capped (``max_buffer_bytes``).

    async with LocalRealtimeServer(fixture="short_qa", speed=4) as server:
        print(server.url)        # ws://127.0.0.1:PORT/v1/realtime

From a shell:  ``python -m course_utils.realtime.server --port 8765 --fixture short_qa``

The code is split along its seams: this module is the server (HTTP handshake, one session per
connection, the command line); :mod:`.session` is a connection's state machine (session, input audio
buffer, items), :mod:`.responses` streams responses, :mod:`.usage` counts tokens, and :mod:`.protocol`
holds the constants, the default session and the client-event check (import them from there).

Not implemented (the real API has them): input transcription (a ``...transcription.failed`` event
says so), ``idle_timeout_ms``, MCP tools, images, WebRTC/SIP-only events.
"""
from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Response

from ..errors import CourseError
from ..standins.openai_ws import openai_http_error, refuse_openai_handshake
from ..standins.ws import LocalWebSocketServer, run_until_interrupted, server_parser
from ..voice.conversation import Conversation, turn_script
from ..voice.models import REALTIME_MINI_MODEL, REALTIME_MODEL
from .conversation import load_conversation
from .protocol import MAX_APPEND_BYTES, MAX_BUFFER_BYTES
from .session import RealtimeSession


# -- the server ------------------------------------------------------------------------------------------
class LocalRealtimeServer(LocalWebSocketServer):
    """A Realtime-compatible WebSocket server on 127.0.0.1 replaying a conversation fixture.

    ``speed`` paces audio at ``speed`` x real time (and shortens the fixture's latency likewise).
    ``lead_ms`` lets the audio run up to that much ahead of real time (default 0: strictly paced); real
    servers generate faster than real time, so their audio arrives ahead of playback.
    ``keep_events=True`` keeps every emitted event in ``.emitted`` and every parsed client event in
    ``.received`` (tests validate them).
    """

    def __init__(self, fixture: str | Conversation = "short_qa", speed: float = 1.0, host: str = "127.0.0.1",
                 port: int = 0, chunk_ms: int = 100, max_append_bytes: int = MAX_APPEND_BYTES,
                 max_buffer_bytes: int = MAX_BUFFER_BYTES, keep_events: bool = False, require_auth: bool = True,
                 lead_ms: float = 0.0):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}).")
        self.conversation = fixture if isinstance(fixture, Conversation) else load_conversation(fixture)
        self.script = turn_script(self.conversation)   # what each response.create replays
        super().__init__(host, port)
        self.speed, self.chunk_ms = float(speed), chunk_ms
        self.max_append_bytes, self.max_buffer_bytes = max_append_bytes, max_buffer_bytes
        self.keep_events, self.require_auth = keep_events, require_auth
        self.lead_ms = max(0.0, float(lead_ms))
        self.emitted: list[dict] = []
        self.received: list = []
        self.sessions: list[RealtimeSession] = []
        self.connections = 0
        self.name_tag = ""

    @property
    def url(self) -> str:
        """The endpoint, as the real one: ``ws://127.0.0.1:PORT/v1/realtime`` (add ``?model=...``)."""
        return f"ws://{self.host}:{self.port}/v1/realtime"

    @property
    def websocket_base_url(self) -> str:
        """For the official SDK: ``AsyncOpenAI(websocket_base_url=server.websocket_base_url, ...)``."""
        return f"ws://{self.host}:{self.port}/v1"

    def _check_request(self, connection: ServerConnection, request) -> Response | None:
        refused = refuse_openai_handshake(request, "/v1/realtime", "Realtime", require_auth=self.require_auth,
                                          connect_to="/v1/realtime?model=...")
        if refused:
            return refused
        if request.headers.get("OpenAI-Beta", "").lower().startswith("realtime=v1"):
            return openai_http_error(HTTPStatus.BAD_REQUEST, "The beta Realtime protocol (OpenAI-Beta: realtime=v1) is "
                                     "no longer served; drop the header and use the GA events (local server's wording).",
                                     "beta_protocol_not_supported")
        model = (parse_qs(urlsplit(request.path).query).get("model") or [REALTIME_MODEL])[0]
        problem = model_problem(model)
        if problem:
            return openai_http_error(HTTPStatus.BAD_REQUEST, problem[1], problem[0])
        connection.model = model  # type: ignore[attr-defined]
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        session = RealtimeSession(self, ws, getattr(ws, "model", REALTIME_MODEL))
        self.sessions.append(session)
        await session.run()

    def _serve_options(self) -> dict:
        # a frame may carry the largest append we accept (base64) plus the event around it
        # max_queue=None: the server never stops reading the socket, so a close frame behind a stream of
        # microphone chunks is seen at once and both ends close promptly (not after close_timeout)
        return {"max_size": int(self.max_append_bytes * 4 / 3) + 1024 * 1024, "compression": None, "max_queue": None}

    async def start(self) -> "LocalRealtimeServer":
        await super().start()
        self.port = self.bound_port  # url stays printable after stop()
        return self

    def conversation_items(self, session: int = -1) -> list[dict]:
        """The conversation one connection's session holds on the server side (copies, in order; audio
        left out), e.g. to show what the model is given; ``session``: which connection (-1: the latest)."""
        if not self.sessions:
            return []
        return [dict(item.data) for item in self.sessions[session].items]

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"LocalRealtimeServer(fixture={self.conversation.name!r}, speed={self.speed:g}, {state})"


def model_problem(model: str) -> tuple[str, str] | None:
    """Why the Realtime route would refuse ``model`` (Live models, shut-down models), or None."""
    if model.startswith("gpt-live") and model != "gpt-live-transcribe":
        return ("invalid_model", f"{model} is a Live API model: connect to /v1/live/sessions instead of /v1/realtime.")
    from .. import costs

    rows = [r for r in costs.price_table() if r.model == model]
    if rows and all(r.status == "shut down" for r in rows):
        return ("model_not_found", f"The model {model} has been shut down; use {REALTIME_MODEL} or {REALTIME_MINI_MODEL}.")
    return None


# -- command line ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = server_parser("A local Realtime-compatible WebSocket server replaying a fixture.", port=8765,
                           fixture="short_qa", speed_help="pace audio at this many times real time",
                           prog="python -m course_utils.realtime.server")
    parser.add_argument("--chunk-ms", type=int, default=100, help="milliseconds of audio per output delta")
    args = parser.parse_args(argv)
    server = LocalRealtimeServer(fixture=args.fixture, speed=args.speed, host=args.host, port=args.port,
                                 chunk_ms=args.chunk_ms)
    run_until_interrupted(server, lambda s: print(
        f"Local Realtime server: {s.url}?model={REALTIME_MODEL} (fixture {args.fixture}, "
        f"speed {args.speed:g}x); Ctrl+C to stop", flush=True))


if __name__ == "__main__":
    main()
