"""The support call (notebook 05) played through the local servers: the real ``openai`` client against
the REST stand-in, the real WebSocket client against the local Realtime server.

Checks: the screenshots and their ground truth; the vision exchanges (one answer per screen, agreeing
with the ground truth; a changed prompt is refused); the injected description reaches the server's
conversation and the prompt of the next response; the image path puts the exact PNG into the
conversation; every event both ways fits the SDK's types; the call's cost adds up line by line, with
image tokens computed by hand here.
"""
from __future__ import annotations

import asyncio
import base64
import json
import math

import httpx
import openai
import pydantic
import pytest
from openai.types.realtime import RealtimeClientEvent, RealtimeServerEvent

import course_utils
from course_utils import costs
from course_utils import support_case as sc
from course_utils import support_report as sr
from course_utils import support_screens as ss
from course_utils import support_vision as sv
from course_utils.clients import openai_client, openai_rest_standin
from course_utils.errors import BudgetExceeded, CourseError
from course_utils.fixtures import DATA_DIR
from course_utils.realtime import LocalRealtimeServer, load_conversation
from course_utils.voice import VirtualClockSink

SPEED = 8
#: 800x500 at detail "high": no downscaling (fits 2048, shortest side 500 <= 768), tiles = ceil(800/512) x
#: ceil(500/512) = 2 x 1, tokens = 85 + 170 x 2 = 425 (OpenAI's tile rule, data/pricing/token_rules.csv).
IMAGE_TOKENS = 85 + 170 * 2 * 1
SERVER_EVENTS = pydantic.TypeAdapter(RealtimeServerEvent)
CLIENT_EVENTS = pydantic.TypeAdapter(RealtimeClientEvent)


def _run(coro, timeout: float = 90):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _play(mode: str):
    """One whole call on a local Realtime server we hold (so its state and events can be inspected)."""
    standin = openai_rest_standin([sv.VISION_FIXTURE])
    before = len(standin.requests)

    async def go():
        async with LocalRealtimeServer(fixture=sc.CALL_FIXTURES[mode], speed=SPEED, keep_events=True) as server:
            call = await sc.run_call(mode, speed=SPEED, url=server.url, sink=VirtualClockSink(speed=SPEED),
                                     validate_received=True)
            state = server.conversation_items()
            return call, server, state

    call, server, state = _run(go())
    return call, server, state, standin.requests[before:]


@pytest.fixture(scope="module")
def described():
    return _play("describe")


@pytest.fixture(scope="module")
def imaged():
    return _play("image")


def _texts(item: dict) -> list[str]:
    return [p.get("text") or "" for p in item.get("content") or [] if p.get("type") == "input_text"]


# -- data ----------------------------------------------------------------------------------------------
def test_screens_are_small_pngs_with_ground_truth():
    truth = ss.ground_truth()
    assert "not a capture" in truth["provenance"] and "scripts/make_support_screens.py" in truth["provenance"]
    assert 2 <= len(truth["screens"]) <= 4
    for name, entry in truth["screens"].items():
        screen = ss.load_screen(name)
        assert screen.png[:8] == b"\x89PNG\r\n\x1a\n" and len(screen.png) < 100 * 1024
        assert int.from_bytes(screen.png[16:20], "big") == entry["width"] == 800   # IHDR width
        assert int.from_bytes(screen.png[20:24], "big") == entry["height"] == 500  # IHDR height
        assert screen.image_tokens("high") == IMAGE_TOKENS and screen.image_tokens("low") == 85
        visible = " ".join(entry["visible_text"]).lower()
        for fact in entry["key_facts"]:   # every key fact is something the screen really shows
            assert fact.lower() in visible, (name, fact)
    assert "0x80072F8F" in " ".join(truth["screens"]["sync_error.png"]["visible_text"])


def test_bad_names_are_one_line_errors():
    with pytest.raises(CourseError, match="No screen 'nope.png'; data/screens has: sync_error.png"):
        ss.load_screen("nope.png")
    with pytest.raises(CourseError, match="mode must be one of describe, image"):
        _run(sc.run_call("video"))


def test_the_tool_knows_the_code_and_says_when_it_does_not():
    assert ss.lookup_error_code("0x80072f8f")["common_causes"][0] == "the computer's date and time are wrong"
    assert ss.lookup_error_code("0x1234")["meaning"] == "unknown code"


# -- the vision exchanges -------------------------------------------------------------------------------
def test_vision_fixture_answers_each_screen_through_the_real_client():
    manifest = json.loads((DATA_DIR / "fixtures" / "support_vision" / "screens" / "manifest.json").read_text())
    assert "written by hand for replay" in manifest["provenance"]
    assert costs.price_row(manifest["model"], "text_input").status == "current"   # not a retired model
    client = openai_client(fixtures=[sv.VISION_FIXTURE])
    answers = {}
    for name in ss.list_screens():
        screen = ss.load_screen(name)
        resp = client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": [
            {"type": "text", "text": sv.VISION_PROMPT},
            {"type": "image_url", "image_url": {"url": screen.data_url, "detail": "high"}}]}])
        text = resp.choices[0].message.content
        answers[name] = text
        missed = [f for f in screen.truth["key_facts"] if f.lower() not in text.lower()]
        # a description may miss only what the ground truth marks easy to miss (the taskbar date)
        assert missed == ([] if name != "sync_error.png" else ["14/03/2019"]), (name, missed)
        assert resp.usage.prompt_tokens > IMAGE_TOKENS   # the image's tokens are folded into prompt_tokens
    assert len(set(answers.values())) == len(answers)   # each screen got its own answer
    with pytest.raises(openai.NotFoundError, match="replay_no_match|no recorded exchange"):
        client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": [
            {"type": "text", "text": "Describe this picture as a poem."},
            {"type": "image_url", "image_url": {"url": ss.load_screen("sync_error.png").data_url}}]}])


def test_analyze_screen_sends_the_exact_png_and_settles_the_ledger():
    bodies: list[dict] = []

    async def hook(request: httpx.Request) -> None:
        bodies.append(json.loads(request.content))

    async def go():
        cfg = course_utils.get_config()
        http = httpx.AsyncClient(event_hooks={"request": [hook]})
        client = openai.AsyncOpenAI(api_key=cfg.key("openai"), http_client=http, max_retries=0,
                                    base_url=openai_rest_standin([sv.VISION_FIXTURE]).base_url)
        screen = ss.load_screen("datetime_settings.png")
        n = len(cfg.ledger.entries)
        result = await sv.analyze_screen(client, screen)
        await http.aclose()
        return screen, result, cfg.ledger.entries[n:]

    screen, result, entries = _run(go())
    body = bodies[0]
    assert body["model"] == "gpt-6-luna"
    parts = body["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": sv.VISION_PROMPT}
    url = parts[1]["image_url"]["url"]
    assert parts[1]["image_url"]["detail"] == "high"
    assert base64.b64decode(url.split(",", 1)[1]) == screen.png
    assert "Set time automatically" in result.description and result.image_tokens == IMAGE_TOKENS
    # cost by hand: prompt tokens at $0.10/1M (the image's 425 of them on their own line), output at $0.50/1M
    p, c = result.usage["prompt_tokens"], result.usage["completion_tokens"]
    assert result.cost.total_usd == pytest.approx(p * 0.10 / 1e6 + c * 0.50 / 1e6)
    assert result.cost.lines[0].quantity == IMAGE_TOKENS
    assert len(entries) == 1 and entries[0].status == "settled" and entries[0].actual_usd == pytest.approx(result.cost.total_usd)


def test_live_mode_prices_the_vision_call_before_it_runs(fake_keys):
    course_utils.setup(mode="live", budget_usd=0.0, quiet=True)
    standin = openai_rest_standin([sv.VISION_FIXTURE])
    before = len(standin.requests)
    client = openai.AsyncOpenAI(api_key=fake_keys["OPENAI_API_KEY"], base_url=standin.base_url, max_retries=0)
    with pytest.raises(BudgetExceeded, match="gpt-6-luna"):
        _run(sv.analyze_screen(client, ss.load_screen("sync_error.png")))
    assert len(standin.requests) == before   # refused before anything was sent


# -- the whole call, description path ---------------------------------------------------------------------
def test_description_reaches_the_servers_conversation(described):
    call, server, state, requests = described
    assert [r.path for r in requests] == ["/v1/chat/completions"] * 3   # one vision call per shared screen
    injected = [i for i in state if i["type"] == "message" and i.get("role") == "user" and _texts(i)]
    assert [_texts(i)[0] for i in injected] == [sv.screen_item_text(v.description) for v in call.visions]
    assert "certificate expired (code 0x80072F8F)" in injected[0]["content"][0]["text"]
    # the conversation.item.added / .done events the client received carry the same items
    seen = {i["id"]: i for i in call.items}
    for item in injected:
        assert _texts(seen[item["id"]]) == _texts(item)
    # each description sits before the agent's answer that follows it
    order = [i["id"] for i in state]
    answers = [i for i in state if i.get("role") == "assistant" and i["type"] == "message"]
    assert len(answers) == 5
    assert order.index(injected[0]["id"]) < order.index(answers[1]["id"])
    assert order.index(injected[1]["id"]) < order.index(answers[3]["id"])


def test_the_next_response_reads_the_description(described):
    call, _server, _state, _requests = described
    r1, r2 = call.responses[0], call.responses[1]
    t1 = r1.usage["input_token_details"]["text_tokens"]
    t2 = r2.usage["input_token_details"]["text_tokens"]
    # between them: the first answer's transcript and the injected item (the local server counts ~4 chars a token)
    grown = math.ceil(len(sv.screen_item_text(call.visions[0].description)) / 4)
    assert t2 - t1 >= grown
    from course_utils.voice.conversation import turn_script

    conv = load_conversation("support_call")
    assert [r.transcript for r in call.responses] == [t.outputs[0].transcript for t in turn_script(conv).turns]
    assert call.responses[1].tool_calls[0].name == "lookup_error_code"
    outputs = [i for i in call.items if i["type"] == "function_call_output"]
    assert json.loads(outputs[0]["output"]) == ss.lookup_error_code("0x80072F8F")


def test_every_event_fits_the_sdk_types(described, imaged):
    for _call, server, _state, _req in (described, imaged):
        assert server.emitted and server.received
        for event in server.emitted:
            SERVER_EVENTS.validate_python(event)
        for event in server.received:
            CLIENT_EVENTS.validate_python(event)
        creates = [e for e in server.received if e["type"] == "conversation.item.create"]
        assert any(e["item"]["type"] == "message" for e in creates)
        session = [e for e in server.received if e["type"] == "session.update"][0]["session"]
        assert session["audio"]["input"]["turn_detection"] == sc.TURN_DETECTION and session["type"] == "realtime"


def test_describe_call_cost_adds_up(described):
    call, *_ = described
    cost = call.cost()
    assert cost.total_usd == pytest.approx(sum(line.usd for line in cost.lines))
    assert cost.total_usd == pytest.approx(call.ledger_total())
    realtime = sum(costs.cost_from_realtime_usage(r.usage, "gpt-realtime-2.1").total_usd for r in call.responses)
    vision = sum(v.usage["prompt_tokens"] * 0.10 / 1e6 + v.usage["completion_tokens"] * 0.50 / 1e6 for v in call.visions)
    assert cost.total_usd == pytest.approx(realtime + vision)
    image = [ln for ln in cost.lines if ln.what.startswith("gpt-6-luna: image input")][0]
    assert image.quantity == 3 * IMAGE_TOKENS and image.usd == pytest.approx(3 * 425 * 0.10 / 1e6)
    assert not [ln for ln in cost.lines if "Realtime: image" in ln.what]   # no image ever entered the Realtime session
    assert [e.status for e in call.ledger_entries] == ["settled"] * 4      # the session + three vision calls


# -- the whole call, image path ------------------------------------------------------------------------------
def test_image_path_puts_the_exact_png_into_the_conversation(imaged):
    call, _server, state, requests = imaged
    assert requests == [] and call.visions == []   # no vision model involved
    parts = [p for i in state if i["type"] == "message" for p in i.get("content") or [] if p.get("type") == "input_image"]
    assert len(parts) == 3
    for part, name in zip(parts, ["sync_error.png", "datetime_settings.png", "sync_ok.png"]):
        assert base64.b64decode(part["image_url"].split(",", 1)[1]) == ss.load_screen(name).png
    assert "March twenty nineteen" in call.responses[2].transcript   # the fixture's image-path answer


def test_image_call_cost_adds_up_with_hand_computed_image_tokens(imaged):
    call, *_ = imaged
    cost = call.cost()
    assert cost.total_usd == pytest.approx(sum(line.usd for line in cost.lines))
    assert cost.total_usd == pytest.approx(call.ledger_total())
    # the server's usage counts the images (tile rule: 425 tokens each at 800x500): A1 none, A2 image 1 new,
    # A3 (tool follow-up) image 1 re-read, A4 images 1-2, A5 images 1-3 -> 425 + 425 + 850 + 1,275 = 2,975 tokens
    reported = [r.usage["input_token_details"].get("image_tokens") or 0 for r in call.responses]
    assert sum(reported) == 2_975 and all(n % 425 == 0 for n in reported)
    usage_total = sum(costs.cost_from_realtime_usage(r.usage, "gpt-realtime-2.1").total_usd for r in call.responses)
    assert cost.total_usd == pytest.approx(usage_total + sum(v.cost.total_usd for v in call.visions))


def test_compare_and_knowledge(described, imaged):
    rows = sr.compare(described[0], imaged[0])
    assert [r["vision calls"] for r in rows] == [3, 0]
    for row, call in zip(rows, (described[0], imaged[0])):
        assert row["call total $"] == pytest.approx(call.cost().total_usd, abs=1e-5)
    told = {r["screen"]: r for r in described[0].knowledge()}
    assert told["sync_error.png"]["missing"] == "14/03/2019"   # the description left the taskbar date out
    assert all(r["missing"] == "-" for r in imaged[0].knowledge())
    lines = described[0].transcript()
    assert lines[0] == "customer (voice): " + load_conversation("support_call").user[0].text
    assert sum(line.startswith("agent: ") for line in lines) == 5
    fig = described[0].plot()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["tools", "vision model", "screen", "agent voice", "customer voice"]


# -- live and record: the same code, priced first, saved scrubbed ------------------------------------------
def test_record_mode_prices_plays_and_saves_a_replayable_fixture(fake_keys, tmp_path, monkeypatch):
    """Record mode (live + save) pointed at the local servers: the session and the vision call are priced
    before they run and settled after; the vision exchange is saved scrubbed and replays."""
    import course_utils.fixtures as fixtures
    from course_utils.standins.openai_rest import OpenAIRestStandin

    cfg = course_utils.setup(mode="record", budget_usd=1.0, quiet=True)
    standin = openai_rest_standin([sv.VISION_FIXTURE])
    key = fake_keys["OPENAI_API_KEY"]

    async def go():
        async with LocalRealtimeServer(fixture="support_call", speed=1) as server:
            vision = openai.AsyncOpenAI(api_key=key, base_url=standin.base_url, max_retries=0)
            return await sc.run_call("describe", script=(sc.Turn(screen="sync_error.png"),), url=server.url,
                                     vision_client=vision, sink=VirtualClockSink(speed=1), record_as="t_rec",
                                     record_root=tmp_path)

    call = _run(go())
    assert call.speed == 1.0   # live and record calls run at real speed
    whats = [e.what for e in call.ledger_entries]
    assert any("Realtime session" in w for w in whats) and any("describe sync_error.png" in w for w in whats)
    assert all(e.charged and e.status == "settled" for e in call.ledger_entries)
    assert call.ledger_total() == pytest.approx(call.cost().total_usd)
    assert cfg.ledger.spent_usd == pytest.approx(call.cost().total_usd)
    saved = tmp_path / "support_vision" / "t_rec"
    assert json.loads((saved / "manifest.json").read_text())["provenance"].startswith("recorded: live gpt-6-luna")
    assert (tmp_path / "realtime" / "t_rec_describe" / "conversation.json").exists()
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl"):
            assert key not in path.read_text()
    monkeypatch.setattr(fixtures, "FIXTURES_DIR", tmp_path)
    with OpenAIRestStandin([("support_vision", "t_rec")]) as replay:
        client = openai.OpenAI(api_key="replay-mode-no-key", base_url=replay.base_url, max_retries=0)
        again = client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": [
            {"type": "text", "text": sv.VISION_PROMPT},
            {"type": "image_url", "image_url": {"url": ss.load_screen("sync_error.png").data_url, "detail": "high"}}]}])
    assert again.choices[0].message.content == call.visions[0].description
