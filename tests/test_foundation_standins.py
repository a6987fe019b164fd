"""The OpenAI REST stand-in: real client, scoped fixtures, clear misses, the HTTP base."""
from __future__ import annotations

import httpx
import openai
import pytest

from course_utils.clients import openai_client, openai_rest_standin
from course_utils.standins.http import LocalHTTPServer, json_response


def _transcribe(client: openai.OpenAI) -> str:
    return client.audio.transcriptions.create(model="gpt-transcribe", file=("q.wav", b"RIFF0000WAVE", "audio/wav")).text


def test_each_client_sees_only_its_own_fixtures():
    # both lessons recorded an answer for POST /v1/audio/transcriptions with gpt-transcribe
    cascade = openai_client(fixtures=[("cascade", "support_turn")])
    video = openai_client(fixtures=[("openai_vision_demo", "transcript")])
    first, second = _transcribe(video), _transcribe(cascade)
    assert first.startswith("Welcome to Tasklane")
    assert first != second and _transcribe(video) == first
    # the log shows the API path, not the scope
    assert openai_rest_standin().requests[-1].path == "/v1/audio/transcriptions"


def test_a_request_nothing_recorded_answers_gets_a_clear_404():
    client = openai_client(fixtures=[("cascade", "support_turn")])
    with pytest.raises(openai.NotFoundError) as info:
        client.embeddings  # noqa: B018  (not served at all)
        client.chat.completions.create(model="some-other-model", messages=[{"role": "user", "content": "hi"}])
    assert "replay" in str(info.value) and "cascade/support_turn" in str(info.value)


def test_http_base_routes_methods_and_survives_handler_bugs():
    def boom(_req):
        raise ValueError("bug")

    with LocalHTTPServer("t") as srv:
        srv.route("GET", r"/ok/(?P<id>\d+)", lambda r: json_response({"id": r.params["id"]}))
        srv.route("GET", r"/boom", boom)
        assert httpx.get(srv.url + "/ok/7").json() == {"id": "7"}
        assert httpx.post(srv.url + "/ok/7").status_code == 405
        assert httpx.get(srv.url + "/nope").status_code == 404
        assert httpx.get(srv.url + "/boom", timeout=5).status_code == 500  # answered, not hung
        assert srv.requests[0].headers  # logged (scrubbed)
