"""The one voice-session interface (issue 17): one reply type, one budget helper in the ledger, one tools
registry, one verb (``connect``) and one shell for the microphone clients."""
from __future__ import annotations

import asyncio
import json
import warnings

import pytest

import course_utils
from course_utils.errors import BudgetExceeded, CourseError
from course_utils.ledger import Ledger
from course_utils.voice import ToolCall, ToolRegistry, VoiceReply
from course_utils.voice.formats import ms_to_bytes, silence


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


# -- the reply type ----------------------------------------------------------------------------------
def test_voice_reply_counts_audio_and_reads_in_one_line():
    r = VoiceReply("resp_1", 1, transcript="Hello there.")
    r.add_audio(silence(500), keep=True)
    r.add_audio(silence(250))
    assert r.chunks == 2 and r.audio_ms == pytest.approx(750) and len(r.audio) == ms_to_bytes(500)
    r.tool_calls.append(ToolCall("get_weather", {"city": "Paris"}, "call_1", result={"temp": 18}))
    r.status, r.interrupted = "cancelled", True
    text = repr(r)
    assert text.startswith("VoiceReply(resp_1, cancelled, interrupted, 750 ms audio, 'Hello there.'")
    assert "tools=['get_weather']" in text and "\n" not in text
    assert r.said == "Hello there." and VoiceReply("x", text="typed").said == "typed"
    assert r.audio_widget() is not None


def test_every_client_returns_the_one_reply_type():
    import typing

    from course_utils.live.gemini_client import GeminiLiveClient
    from course_utils.live.openai_client import LiveClient
    from course_utils.realtime.client import RealtimeClient

    for fn in (RealtimeClient.say, RealtimeClient.ask, RealtimeClient.wait_for_response, LiveClient.wait_for_reply,
               GeminiLiveClient.wait_for_reply):
        hints = typing.get_type_hints(fn, vars(__import__(fn.__module__, fromlist=["x"])))
        assert hints["return"] is VoiceReply, fn.__qualname__


def test_one_verb_opens_every_session():
    from course_utils.live.gemini_client import GeminiLiveClient
    from course_utils.live.openai_client import LiveClient
    from course_utils.realtime.client import RealtimeClient
    from course_utils.translation.client import TranslationClient

    for cls in (RealtimeClient, LiveClient, GeminiLiveClient, TranslationClient):
        assert hasattr(cls, "connect") and not hasattr(cls, "start"), cls.__name__


# -- the budget helper --------------------------------------------------------------------------------
def test_session_budget_reserves_settles_once_and_refuses_before_anything_opens():
    ledger = Ledger(1.00, enforce=True)
    budget = ledger.session("openai", "gpt-live-1.1", "Live session", 0.40)
    assert budget.open and ledger.reserved_usd == pytest.approx(0.40)
    budget.settle(0.12, billable_seconds=30)
    budget.settle(0.99)                                   # a second settle does nothing
    budget.cancel("late")                                 # nor does a cancel after it
    (entry,) = ledger.entries
    assert entry.status == "settled" and entry.actual_usd == pytest.approx(0.12) and entry.detail["billable_seconds"] == 30
    with pytest.raises(BudgetExceeded, match="budget"):
        ledger.session("openai", "gpt-live-1.1", "too big", 0.90)
    assert len(ledger.entries) == 1                       # refused: no row, nothing reserved


def test_session_budget_cancels_on_a_failed_connect():
    ledger = Ledger(1.00, enforce=True)
    budget = ledger.session("google", "gemini-3.8-live", "Gemini Live session", 0.10)
    with pytest.raises(ConnectionRefusedError):
        with budget.connecting():
            raise ConnectionRefusedError("no server")
    assert budget.entry.status == "cancelled" and budget.entry.detail["reason"] == "ConnectionRefusedError"
    other = ledger.session("google", "gemini-3.8-live", "again", 0.10)
    with pytest.raises(asyncio.TimeoutError):
        with other.connecting():
            raise asyncio.TimeoutError()
    assert other.entry.detail["reason"] == "timeout" and ledger.reserved_usd == 0


def test_session_budget_top_up_and_the_total_is_the_actual_cost():
    ledger = Ledger(1.00, enforce=True)
    budget = ledger.session("openai", "gpt-realtime-2.1", "Realtime session", 0.10)
    budget.top_up(0.05, 0.03, "one more turn")            # not yet past the reservation: nothing
    assert len(ledger.entries) == 1
    budget.top_up(0.11, 0.03, "one more turn")
    assert len(ledger.entries) == 2 and ledger.entries[0].status == "settled"
    assert budget.reserved_usd == pytest.approx(0.14)
    budget.settle(0.13)
    assert ledger.spent_usd == pytest.approx(0.13) and ledger.reserved_usd == 0


def test_replay_rows_are_kept_and_marked_not_charged():
    ledger = Ledger(0.0, enforce=False)                   # replay: nothing enforced, every row kept
    budget = ledger.session("openai", "gpt-realtime-translate", "translation session", 5.0)
    budget.top_up(10.0, 1.0, "more")                      # never topped up when not charged
    budget.settle(0.02)
    (row,) = ledger.rows()
    assert row["status"] == "settled (replay, not charged)" and ledger.spent_usd == 0


def test_every_client_records_its_replay_row_as_not_charged():
    """The one rule (issue 19), client by client, in replay mode."""
    from course_utils.live import LiveClient, LocalGeminiLiveServer, LocalLiveServer
    from course_utils.live.gemini_client import GeminiLiveClient
    from course_utils.realtime import RealtimeClient
    from course_utils.translation import LocalTranslationServer, TranslationClient
    from course_utils.voice import VirtualClockSink

    cfg = course_utils.setup(mode="replay", quiet=True)

    async def go():
        async with RealtimeClient(speed=8, sink=VirtualClockSink(speed=8)):
            pass
        async with LocalLiveServer("support_call", speed=8) as server:
            async with LiveClient(websocket_base_url=server.websocket_base_url, speed=8):
                pass
        async with LocalGeminiLiveServer("support_call", speed=8) as server:
            async with GeminiLiveClient(http_options=server.http_options(), speed=8):
                pass
        async with LocalTranslationServer(speed=8) as server:
            async with TranslationClient("es", websocket_base_url=server.websocket_base_url, speed=8):
                pass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(go())
    rows = cfg.ledger.rows()
    assert [r["provider"] for r in rows] == ["openai", "openai", "google", "openai"]
    assert all(r["status"] == "settled (replay, not charged)" for r in rows), rows


# -- the tools registry -------------------------------------------------------------------------------
def lookup_order(order_number: str, verbose: bool = False) -> str:
    """Look up the shipping status of an order by its number.

    Args:
        order_number: the order's number, digits only.
        verbose: say more.
    """
    if order_number == "0":
        raise LookupError("the order database is down")
    return f"Order {order_number} shipped."


def test_registry_writes_both_schemas_from_signature_and_docstring():
    tools = ToolRegistry([lookup_order])
    parameters = {"type": "object", "required": ["order_number"],
                  "properties": {"order_number": {"type": "string", "description": "the order's number, digits only."},
                                 "verbose": {"type": "boolean", "description": "say more."}}}
    assert tools.openai_schemas() == [{"type": "function", "name": "lookup_order", "parameters": parameters,
                                       "description": "Look up the shipping status of an order by its number."}]
    assert tools.gemini_declarations() == [{"name": "lookup_order", "parameters": parameters,
                                            "description": "Look up the shipping status of an order by its number."}]
    # the declaration is what google-genai accepts
    from google.genai import types
    types.FunctionDeclaration(**tools.gemini_declarations()[0])

    @tools.register(description="Explicit.", parameters={"type": "object", "properties": {}})
    def ping() -> str:
        return "pong"
    assert "ping" in tools and tools.names() == ["lookup_order", "ping"]
    assert tools.tools["ping"].openai_schema()["description"] == "Explicit."
    with pytest.raises(CourseError, match="Python function"):
        tools.register(42)


def test_registry_calls_by_name_with_json_or_dict_arguments():
    tools = ToolRegistry([lookup_order])

    async def later(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2
    tools.register(later)
    call = run(tools.call("lookup_order", '{"order_number": "4815"}', "call_1"))
    assert (call.name, call.arguments, call.call_id, call.result, call.error) == \
        ("lookup_order", {"order_number": "4815"}, "call_1", "Order 4815 shipped.", None)
    assert call.output == "Order 4815 shipped." and repr(call) == "lookup_order(order_number='4815') -> 'Order 4815 shipped.'"
    assert run(tools.call("later", {"x": 21})).result == 42


def test_a_failing_call_is_an_error_result_for_the_model_and_warned_once():
    tools = ToolRegistry([lookup_order], source="Test")
    with pytest.warns(UserWarning, match="database is down") as caught:
        first = run(tools.call("lookup_order", {"order_number": "0"}))
        second = run(tools.call("lookup_order", {"order_number": "0"}))
    assert len([w for w in caught if "database is down" in str(w.message)]) == 1      # surfaced once
    assert first.output == {"error": "LookupError: the order database is down"} == second.output
    assert len(tools.errors) == 2                                                     # every failure is kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unknown = run(tools.call("nope", "{}"))
        bad = run(tools.call("lookup_order", "not json"))
        wrong = run(tools.call("lookup_order", "[1, 2]"))
        missing = run(tools.call("lookup_order", {}))
    assert "no tool named 'nope'" in unknown.error
    assert "not a JSON object" in bad.error and "not a JSON object" in wrong.error
    assert missing.error.startswith("TypeError") and json.dumps(missing.output)


def test_realtime_and_gemini_clients_share_the_registry():
    from course_utils.live.gemini_client import GeminiLiveClient
    from course_utils.realtime.client import RealtimeClient

    course_utils.setup(mode="replay", quiet=True)
    rt = RealtimeClient()
    rt.tool(lookup_order)
    g = GeminiLiveClient(tools=[lookup_order])
    assert isinstance(rt.tools, ToolRegistry) and isinstance(g.tools, ToolRegistry)
    (declared,) = g.config().tools[0].function_declarations
    (schema,) = rt.tool_schemas()
    assert declared.name == schema["name"] == "lookup_order" and declared.description == schema["description"]
    assert sorted(declared.parameters.properties) == sorted(schema["parameters"]["properties"])
