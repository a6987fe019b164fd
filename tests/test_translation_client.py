"""course_utils.translation.TranslationClient (the SDK's translations.connect) against LocalTranslationServer."""
from __future__ import annotations

import asyncio
import json
import warnings

import numpy as np
import pytest

import course_utils
from course_utils import get_config
from course_utils.errors import BudgetExceeded, CourseError, ServerErrorEvent
from course_utils.translation import TranslationClient, load_monologue
from course_utils.translation import timeline as tl
from course_utils.translation.server import LocalTranslationServer, TranslationSession
from course_utils.voice.events import EventError

SPEED = 8.0
MONO = load_monologue()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def translate(server, language="es", **kwargs) -> TranslationClient:
    async with TranslationClient(language, websocket_base_url=server.websocket_base_url, speed=SPEED, **kwargs) as tr:
        await tr.say(MONO.source_pcm)
    return tr


def test_a_whole_session_streams_while_speaking_and_is_priced():
    async def main():
        async with LocalTranslationServer(lag_ms=1500, speed=SPEED) as server:
            return await translate(server, transcribe=True), server

    tr, server = run(main())
    assert tr.output_text == MONO.text("es") and tr.input_text == MONO.text()
    assert tr.output_pcm() == b"".join(p.translations["es"].pcm for p in MONO.phrases)
    kinds = [(e.direction, e.type) for e in tr.trace.events]
    last_append = max(i for i, k in enumerate(kinds) if k == ("sent", "session.input_audio_buffer.append"))
    first_audio = kinds.index(("received", "session.output_audio.delta"))
    first_word = kinds.index(("received", "session.output_transcript.delta"))
    assert first_audio < last_append and first_word < last_append      # heard while still speaking
    assert tr.closed_reason == "session.closed" and not tr.errors and not tr.bad_events
    assert tr.sink.queued_ms("translation") == pytest.approx(sum(p.translations["es"].duration_ms for p in MONO.phrases), abs=1)
    lags = tr.lags()
    assert len(lags) == len(MONO.phrases)
    assert all(1400 <= lag.lag_ms <= 3200 for lag in lags), tr.lag_table()   # the configured 1500 ms, plus queueing
    assert [round(s[0] / 100) for s in tr.source_segments] == [round(p.span_ms[0] / 100) for p in MONO.phrases]
    assert tr.session.audio.output.language == "es" and tr.session.audio.input.transcription.model == "gpt-realtime-whisper"
    entry = get_config().ledger.entries[-1]
    assert entry.model == "gpt-realtime-translate" and entry.status == "settled"
    assert entry.actual_usd == pytest.approx(tr.cost.total_usd) and tr.cost.total_usd > 0
    assert tr.sent_seconds >= MONO.duration_ms / 1000


def test_budget_refusal_opens_no_connection(fake_keys):
    async def main():
        async with LocalTranslationServer(speed=SPEED) as server:
            course_utils.setup(mode="live", budget_usd=0.01, quiet=True)
            with pytest.raises(BudgetExceeded, match="translation session"):
                await TranslationClient("es", websocket_base_url=server.websocket_base_url, max_minutes=10).connect()
            return server

    server = run(main())
    assert server.sessions == []                        # the handshake never happened
    assert not [e for e in get_config().ledger.entries if e.status == "reserved"]


def test_live_mode_with_a_key_reserves_then_settles(fake_keys):
    async def main():
        async with LocalTranslationServer(lag_ms=500, speed=SPEED) as server:
            course_utils.setup(mode="live", budget_usd=1.0, quiet=True)
            async with TranslationClient("fr", websocket_base_url=server.websocket_base_url, speed=SPEED, max_minutes=1) as tr:
                await tr.say(MONO.source_pcm[: 48 * 5000])
            return tr

    tr = run(main())
    ledger = get_config().ledger
    assert ledger.entries[-1].status == "settled" and ledger.spent_usd == pytest.approx(tr.cost.total_usd)
    assert ledger.entries[-1].estimate_usd == pytest.approx(0.034)     # one minute reserved up front
    assert tr.output_text == MONO.phrases[0].translations["fr"].text


def test_an_unsupported_language_is_refused_and_the_reservation_released():
    async def main():
        async with LocalTranslationServer(speed=SPEED) as server:
            with pytest.raises(ServerErrorEvent, match="es, fr"):
                await TranslationClient("ja", websocket_base_url=server.websocket_base_url).connect()

    run(main())
    assert get_config().ledger.entries[-1].status == "cancelled"


def test_replay_without_a_server_and_bad_arguments():
    with pytest.raises(CourseError, match="LocalTranslationServer"):
        run(TranslationClient("es").connect())
    with pytest.raises(CourseError):
        TranslationClient("es", speed=0)
    with pytest.raises(CourseError):
        TranslationClient("")


class _Rude(TranslationSession):
    """Sends events that do not fit the SDK types (and one it does not know) right after session.updated."""

    async def _on_session_update(self, data):
        await super()._on_session_update(data)
        junk = [{"type": "session.output_transcript.delta", "event_id": "e1", "delta": 5},
                {"type": "session.output_transcript.delta", "event_id": "e2", "delta": 6},
                {"type": "session.output_transcript.delta", "delta": "no id"},
                {"type": "session.mystery", "event_id": "e3"},
                {"type": "session.output_transcript.delta", "event_id": "e4", "delta": "", "obfuscation": "abc"}]
        for event in junk:
            await self.ws.send(json.dumps(event))
        await self.ws.send("not json at all")


class _RudeServer(LocalTranslationServer):
    async def _handler(self, ws):
        session = _Rude(self, ws, "gpt-realtime-translate")
        self.sessions.append(session)
        await session.run()


def test_the_receive_loop_reports_bad_events_once_and_goes_on():
    async def main():
        async with _RudeServer(lag_ms=500, speed=SPEED) as server:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                tr = await translate(server)
            return tr, [str(w.message) for w in caught]

    tr, caught = run(main())
    assert tr.output_text == MONO.text("es") and tr.closed_reason == "session.closed"
    kinds = sorted(e.kind for e in tr.bad_events)
    assert kinds == ["missing", "not_an_object", "string_type", "string_type"]
    skipped = [m for m in caught if "Skipped a server event" in m]
    assert len(skipped) == 3                                   # the repeated wrong type is reported once
    assert any("session.mystery" in m for m in caught)         # an unknown type: reported by the checker, skipped
    assert any("obfuscation" in m for m in caught)             # an unknown field: kept, reported once


class _Silent(TranslationSession):
    """Never answers session.close."""

    async def _close(self, reason):
        self.state = "closed"


class _SilentServer(LocalTranslationServer):
    async def _handler(self, ws):
        session = _Silent(self, ws, "gpt-realtime-translate")
        self.sessions.append(session)
        await session.run()


def test_close_waits_for_session_closed_with_a_timeout():
    async def main():
        async with _SilentServer(lag_ms=200, speed=SPEED) as server:
            tr = TranslationClient("es", websocket_base_url=server.websocket_base_url, speed=SPEED, close_timeout=0.5)
            await tr.connect()
            await tr.say(MONO.source_pcm[: 48 * 1000])
            with pytest.warns(UserWarning, match="No session.closed within 0.5 s"):
                await tr.close()
            await tr.close()                                   # twice is fine
            return tr

    tr = run(main())
    assert tr.cost is not None and tr.closed_reason != "session.closed"


def test_events_sent_are_checked_before_they_leave():
    async def main():
        async with LocalTranslationServer(speed=SPEED) as server:
            async with TranslationClient("es", websocket_base_url=server.websocket_base_url, speed=SPEED) as tr:
                with pytest.raises(EventError):
                    await tr.send({"type": "response.create"})          # not in the translation union
                with pytest.raises(EventError):
                    await tr.send({"type": "session.input_audio_buffer.append", "audio": 5})
                await tr.say(np.zeros(2400, dtype=np.int16))           # a numpy array works as input
            return server

    server = run(main())
    assert not [e for e in server.sessions[0].log.sent if e["type"] == "error"]


def test_timeline_helpers():
    words = [(100, "Hola"), (200, " mundo."), (900, " Otra"), (1000, " frase")]
    assert [(s.start_ms, s.text) for s in tl.sentences(words)] == [(100, "Hola mundo."), (900, "Otra frase")]
    assert tl.audio_spans([(0, 200), (100, 200), (1000, 200)]) == [(0, 400), (1000, 1200)]
    lags = tl.phrase_lags([(0, 800), (1500, 2000)], tl.sentences(words), [(100, 500), (900, 400)])
    assert [lag.lag_ms for lag in lags] == [100, -600]
    assert tl.summary(lags)["max lag ms"] == 100


def test_the_notebook_microphone_widget_can_feed_the_session():
    from course_utils.voice.audio import chunk_pcm
    from course_utils.widgets.mic import Microphone

    mic = Microphone(chunk_ms=40)
    pcm = MONO.source_pcm[: int(MONO.phrases[1].span_ms[1] * 48)] + bytes(48 * 800)   # two phrases, then quiet

    async def main():
        async with LocalTranslationServer(lag_ms=500, speed=SPEED) as server:
            async with TranslationClient("fr", websocket_base_url=server.websocket_base_url, speed=SPEED) as tr:
                task = await tr.listen(mic)
                await asyncio.sleep(0)
                mic._on_front_end_msg(mic, {"type": "started", "device": "test"}, [])
                for seq, chunk in enumerate(chunk_pcm(pcm, 40)):   # what the browser sends, paced
                    mic._on_front_end_msg(mic, {"type": "chunk", "seq": seq, "rms": 0.1, "ms": seq * 40}, [memoryview(chunk)])
                    await asyncio.sleep(0.04 / SPEED)
                await asyncio.sleep(0.2)
                task.cancel()
            return tr

    tr = run(main())
    assert tr.output_text == " ".join(p.translations["fr"].text for p in MONO.phrases[:2])
    assert tr.sent_seconds == pytest.approx(len(pcm) / 48000, abs=0.05)   # only the widget's audio was sent
