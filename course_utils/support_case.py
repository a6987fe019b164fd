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

This module is the call (:func:`run_call`); its report (:class:`CallResult` and its views,
:func:`compare`) is in :mod:`course_utils.support_report`, the screenshots and the support tool's
knowledge base in :mod:`course_utils.support_screens`, the vision call in
:mod:`course_utils.support_vision`, prices in :mod:`course_utils.costs`: import their names from
there. The pace (``speed``) and the mode come from :func:`course_utils.endpoints.route`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import get_config
from .endpoints import route
from .errors import CourseError
from .support_report import CallResult
from .support_screens import load_screen, lookup_error_code
from .support_vision import VISION_FIXTURE, analyze_screen, description_item, image_item, save_vision_exchanges
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


async def _answer(rt) -> list:
    """Wait for the agent's answer, following tool round trips (the client runs registered tools itself)."""
    results = [await rt.wait_for_response()]
    while results[-1].status == "completed" and any(c.name in rt.tools for c in results[-1].tool_calls):
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
    # the call's pace: replay's speed, real time when a real service answers (endpoints.route forces it)
    pace = route("openai", "realtime", speed=speed)
    speed = pace.speed
    fixture = CALL_FIXTURES[mode]
    convo = load_conversation(fixture)   # the customer's recorded voice (and, in replay, the agent's turns)
    if mode == "describe" and vision_client is None:
        vision_client = async_openai_client(fixtures=[VISION_FIXTURE], speed=speed)  # replay: latencies at this speed
    trace = Trace()
    result = CallResult(mode, model, fixture, speed, trace)
    first_entry = len(cfg.ledger.entries)  # the client prices its session in every mode (replay: not charged)
    if pace.record:
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
                result.user_texts.append(convo.user[turn.clip].text)
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
        if rt.server is not None:  # replay: the local server the client started
            result.server_items = rt.server.conversation_items()
    result.items = list(seen.values())
    result.ledger_entries = list(cfg.ledger.entries[first_entry:])
    if pace.record and result.visions:
        save_vision_exchanges(record_as, result.visions, root=record_root)
    return result
