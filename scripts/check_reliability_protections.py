"""Issue 8's "each protection has a test that fails when it is removed", checked mechanically.

Copies the repo to a temporary folder, then for each protection: removes it (one exact source edit),
runs the test that guards it, expects that test to FAIL, and restores the file. The working tree is
never touched. Prints one line per protection and exits non-zero if any removal went unnoticed.

    python scripts/check_reliability_protections.py            # all (~2 minutes)
    python scripts/check_reliability_protections.py "429" jobs  # only those whose name contains a word
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOT = Path(tempfile.mkdtemp(prefix="protections-")) / "repo"
F = "tests/test_reliability_fuzz.py"
C = "tests/test_reliability_client_faults.py"
V = "tests/test_reliability_video_faults.py"
S = "tests/test_reliability_secrets.py"
B = "tests/test_reliability_budget.py"
SRV = "course_utils/realtime/server.py"
SPROTO = "course_utils/realtime/protocol.py"
SSESS = "course_utils/realtime/session.py"
SRESP = "course_utils/realtime/responses.py"
WS = "course_utils/standins/ws.py"
CLI = "course_utils/realtime/client.py"
CLIRECV = "course_utils/realtime/receive.py"
JOBS = "course_utils/video/generate/jobs.py"
ADAPTER = "course_utils/video/generate/adapter.py"
R = "tests/test_reliability_real_traffic.py"
EV = "course_utils/voice/events.py"
LCLI = "course_utils/live/openai_client.py"
GCLI = "course_utils/live/gemini_client.py"
VTOOLS = "course_utils/voice/tools.py"
COSTS = "course_utils/costs/usage.py"

MUTATIONS = [
    ("server: null session containers kept", SPROTO,
     "        if value is None and key in _CONTAINERS and isinstance(out.get(key), dict):\n            continue\n", "",
     [F + "::test_realtime_every_field_of_every_client_event_with_wrong_types"]),
    ("server: bad VAD settings refused before the session changes", SSESS,
     "        except (AudioFormatError, ValueError, OverflowError) as exc:\n            raise ClientError(",
     "        except ZeroDivisionError as exc:\n            raise ClientError(",
     [F + "::test_realtime_every_field_of_every_client_event_with_wrong_types"]),
    ("servers: RecursionError from json.loads caught (standins.ws.parse_json_frame)", WS,
     "    except RecursionError:\n        raise BadFrame(", "    except ZeroDivisionError:\n        raise BadFrame(",
     [F + "::test_realtime_malformed_frames_corpus", F + "::test_live_json_it_cannot_parse_gets_an_error"]),
    ("servers: ValueError without .msg (huge ints) caught (standins.ws.parse_json_frame)", WS,
     "    except ValueError as exc:  # e.g. an integer longer", "    except ZeroDivisionError as exc:  # e.g. an integer longer",
     [F + "::test_realtime_malformed_frames_corpus", F + "::test_live_json_it_cannot_parse_gets_an_error"]),
    ("server: safety net for handler bugs", SSESS,
     "        except Exception as exc:  # a bug of ours must not end", "        except ZeroDivisionError as exc:  # a bug of ours must not end",
     [F + "::test_a_bug_in_a_handler_becomes_a_server_error_event_and_the_session_goes_on"]),
    ("server: input buffer cap", SSESS,
     "        if len(self.buffer) + len(pcm) > self.server.max_buffer_bytes:", "        if False:",
     [F + "::test_realtime_append_floods_stay_capped"]),
    ("server: unknown parameters refused, as the real API does (error event for a bad event)", SPROTO,
     "    if extras:\n        raise ClientError(\"unknown_parameter\"", "    if False:\n        raise ClientError(\"unknown_parameter\"",
     [F + "::test_realtime_every_field_of_every_client_event_with_wrong_types"]),
    ("server: emits only SDK-valid events (inject an undeclared field)", SSESS,
     "        text = json.dumps({\"event_id\": self._id(\"event\"), **event})",
     "        text = json.dumps({\"event_id\": self._id(\"event\"), **event, **({\"extra\": 1} if event[\"type\"] == \"input_audio_buffer.cleared\" else {})})",
     [F + "::test_realtime_random_and_malformed_events"]),
    ("server: conversation.item.added for MCP items stays schema-valid", SSESS,
     "        if data[\"type\"] in (\"message\", \"function_call\", \"function_call_output\"):  # MCP items declare neither",
     "        if True:",
     [F + "::test_realtime_every_field_of_every_client_event_with_wrong_types"]),
    ("client: cleanup when session.created never comes", CLI,
     "            self.budget.cancel(\"no session.created\")\n            await self._release()\n            raise",
     "            raise",
     [C + "::test_a_fault_is_a_clear_error_in_bounded_time_and_the_next_session_is_fresh[server never sends session.created]"]),
    ("client: send timeout becomes OperationTimeout", CLI,
     "        except asyncio.TimeoutError:\n            raise OperationTimeout(f\"Sending", "        except ZeroDivisionError:\n            raise OperationTimeout(f\"Sending",
     [C + "::test_a_fault_is_a_clear_error_in_bounded_time_and_the_next_session_is_fresh[server stops reading (client sends back up)]"]),
    ("client: close aborts a stalled socket", CLI,
     "                self.ws.transport.abort()  # the closing", "                pass  # the closing",
     [C + "::test_a_fault_is_a_clear_error_in_bounded_time_and_the_next_session_is_fresh[server stops reading (client sends back up)]"]),
    ("client: close waits at most the client's timeout", CLI,
     "        bound = min(5.0, self.timeout)", "        bound = 5.0",
     [C + "::test_a_fault_is_a_clear_error_in_bounded_time_and_the_next_session_is_fresh[server stops reading (client sends back up)]"]),
    ("client: no silent reconnect of a used client", CLI,
     "        if self.ws is not None:\n            raise CourseError(\"This RealtimeClient already connected once", "        if False:\n            raise CourseError(\"This RealtimeClient already connected once",
     [C + "::test_a_used_client_cannot_silently_reconnect_into_a_broken_state"]),
    ("client: its own timeout on waits (stall mid-response)", CLIRECV,
     "            remaining = deadline - loop.time()\n            if remaining <= 0:", "            remaining = 3600.0\n            if remaining <= 0:",
     [C + "::test_a_fault_is_a_clear_error_in_bounded_time_and_the_next_session_is_fresh[server stalls mid-response]"]),
    ("jobs: 429 retry budget", JOBS,
     "            if limited > max_rate_limited:", "            if False:",
     [V + "::test_a_429_storm_while_polling_gives_up_after_the_retry_budget"]),
    ("jobs: download errors become JobFailed", JOBS,
     "    try:\n        data = adapter.download(status)\n    except (KeyboardInterrupt, SystemExit):\n        raise\n    except Exception as exc:",
     "    try:\n        data = adapter.download(status)\n    except (KeyboardInterrupt, SystemExit):\n        raise\n    except ZeroDivisionError as exc:",
     [V + "::test_a_download_cut_short_is_a_clear_error_and_leaves_no_file"]),
    ("jobs: a stalled download is given up (read timeout)", ADAPTER,
     "timeout=httpx.Timeout(DOWNLOAD_READ_TIMEOUT_S, connect=10.0)", "timeout=httpx.Timeout(None, connect=10.0)",
     [V + "::test_a_download_cut_short_is_a_clear_error_and_leaves_no_file[stall]"]),
    ("jobs: clip checked before it is kept", JOBS,
     "        if seconds is None:\n            return None\n        part.replace(path)", "        part.replace(path)",
     [V + "::test_a_download_cut_short_is_a_clear_error_and_leaves_no_file[lying_length]"]),
    ("jobs: temporary name, renamed when whole", JOBS,
     "    part = path.with_name(path.name + \".part\")", "    part = path",
     [V + "::test_the_clip_only_appears_at_its_path_once_it_is_whole"]),
    ("jobs: provider message of a failed job scrubbed", JOBS,
     "    said = _scrubbed(status.message) if status.message else \"(no message)\"", "    said = status.message or \"(no message)\"",
     [S + "::test_video_job_record_mode_scrubs_prompt_and_provider_words"]),
    ("jobs: no chained SDK exception in the traceback", JOBS,
     "        raise _call_failed(adapter, spec, exc) from None", "        raise _call_failed(adapter, spec, exc) from exc",
     [S + "::test_job_failed_from_a_provider_error_that_echoes_the_key"]),
    ("jobs: configured key values scrubbed (not only key shapes)", JOBS,
     "    return scrub(\" \".join(str(text).split()), get_config().secrets())", "    return scrub(\" \".join(str(text).split()))",
     [S + "::test_job_failed_never_shows_a_key_without_a_known_prefix"]),
    ("client: server error messages scrubbed", CLIRECV,
     "        said = self._scrub(str(err.get(\"message\")))", "        said = str(err.get(\"message\"))",
     [S + "::test_realtime_server_error_event_that_echoes_the_key"]),
    ("client: handshake refusal body scrubbed", CLI,
     "            body = self._scrub(exc.response.body.decode(errors=\"replace\"))[:200]", "            body = exc.response.body.decode(errors=\"replace\")[:200]",
     [S + "::test_realtime_handshake_refusal_that_echoes_the_key"]),
    ("http stand-in: query and path scrubbed in the log", "course_utils/standins/http.py",
     "Request(req.method, scrub(req.path), scrub_query(req.query),", "Request(req.method, req.path, req.query,",
     [S + "::test_http_standin_log_scrubs_headers_query_and_path"]),
    ("fixtures: save_fixture scrubs text (realtime recorder)", "course_utils/fixtures.py",
     "            target.write_text(scrub(content, secrets))", "            target.write_text(content)",
     [S + "::test_realtime_record_mode_scrubs_every_key_form"]),
    ("fixtures: save_fixture scrubs the manifest (HTTP recorder)", "course_utils/fixtures.py",
     "(folder / \"manifest.json\").write_text(scrub(json.dumps(manifest, indent=2, ensure_ascii=False), secrets) + \"\\n\")",
     "(folder / \"manifest.json\").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + \"\\n\")",
     [S + "::test_gemini_http_recorder_scrubs_every_key_form"]),
    ("config: repr masks keys", "course_utils/config.py",
     "        keys = {p: mask(_read_secret(PROVIDER_KEYS[p][0])) for p in PROVIDER_KEYS}", "        keys = {p: _read_secret(PROVIDER_KEYS[p][0]) for p in PROVIDER_KEYS}",
     [S + "::test_config_ledger_client_and_adapter_reprs"]),
    # -- issue 18: the clients meet real traffic ----------------------------------------------------
    ("realtime client: a bad audio delta is dropped, counted, warned once", CLIRECV,
     "        except ProtocolError as exc:  # drop this chunk", "        except ZeroDivisionError as exc:  # drop this chunk",
     [R + "::test_realtime_bad_base64_audio_delta_is_dropped_counted_and_warned_once"]),
    ("realtime client: a frame that is not JSON is skipped, the loop goes on", CLIRECV,
     "                except (ValueError, RecursionError) as exc:\n                    self._problem((\"frame\"",
     "                except ZeroDivisionError as exc:\n                    self._problem((\"frame\"",
     [R + "::test_realtime_receive_loop_survives_garbage_unknown_types_and_a_raising_handler"]),
    ("realtime client: a handler that raises is reported, the loop goes on", CLIRECV,
     "        except Exception as exc:\n            etype = args[-1].get(\"type\")",
     "        except ZeroDivisionError as exc:\n            etype = args[-1].get(\"type\")",
     [R + "::test_realtime_receive_loop_survives_garbage_unknown_types_and_a_raising_handler"]),
    ("realtime client: strict mode skips a refused event, the loop goes on", CLIRECV,
     "                    except EventError as exc:\n                        self._problem((\"invalid\"",
     "                    except ZeroDivisionError as exc:\n                        self._problem((\"invalid\"",
     [R + "::test_realtime_strict_mode_refuses_a_wrong_type_once_and_goes_on"]),
    ("checker: unknown fields kept, not refused (strict mode talks to real servers)", EV,
     "        if checked.extras:\n            self._note_extras(checked.extras, event)",
     "        if checked.extras:\n            raise EventError(\"undeclared\", kind=\"unknown_field\")",
     [R + "::test_validate_received_accepts_the_real_extra_fields_and_reports_each_name_once"]),
    ("checker: an unknown field is reported once per name, not per event", EV,
     "            if name in self.unknown_fields:\n                continue", "            if False:\n                continue",
     [R + "::test_validate_received_accepts_the_real_extra_fields_and_reports_each_name_once"]),
    ("realtime client: each microphone chunk checked once (by the server)", CLI,
     "b64encode_pcm(pcm)}, False)", "b64encode_pcm(pcm)}, self.validate)",
     [R + "::test_each_microphone_chunk_is_checked_once"]),
    ("server: session object carries object/id/expires_at", SSESS,
     "        self.session = {\"object\": \"realtime.session\", \"id\": self._id(\"sess\"),\n"
     "                        \"expires_at\": int(time.time()) + SESSION_SECONDS, **default_session(model)}",
     "        self.session = default_session(model)",
     [R + "::test_local_realtime_server_sends_what_real_servers_send"]),
    ("server: obfuscation padding on transcript deltas", SRESP,
     "**ids, \"delta\": payload,\n                                 \"obfuscation\": self._obfuscation(payload)}",
     "**ids, \"delta\": payload}",
     [R + "::test_local_realtime_server_sends_what_real_servers_send"]),
    ("server: rate_limits.updated after response.created", SRESP,
     "        await self._rate_limits(resp)\n", "",
     [R + "::test_local_realtime_server_sends_what_real_servers_send"]),
    ("server: conversation.item.done for a spoken user item", SSESS,
     "        await self.emit({\"type\": \"conversation.item.done\", \"previous_item_id\": previous, \"item\": item.data})\n",
     "",
     [R + "::test_local_realtime_server_sends_what_real_servers_send"]),
    ("realtime client: buffered events skip the learner's handlers while closing", CLIRECV,
     "            if self._handlers and not self._closed:", "            if self._handlers:",
     [R + "::test_a_closing_client_still_handles_what_was_buffered"]),
    ("realtime client: keeps reading the socket while closing (max_queue=None)", CLI,
     "open_timeout=self.timeout, max_queue=None)", "open_timeout=self.timeout)",
     [R + "::test_realtime_client_closes_promptly_while_the_server_streams_and_a_handler_is_stuck"]),
    ("realtime client: a handler still running after the close is cancelled (short drain)", CLI,
     "timeout=min(bound, CLOSE_DRAIN_S))", "timeout=bound)",
     [R + "::test_realtime_client_closes_promptly_while_the_server_streams_and_a_handler_is_stuck"]),
    ("server: keeps reading the socket, so a close behind streamed audio is seen at once (max_queue=None)", SRV,
     "\"compression\": None, \"max_queue\": None}", "\"compression\": None}",
     [R + "::test_local_realtime_server_sees_the_close_behind_a_full_speed_microphone"]),
    ("gemini client: a tool that raises is answered with an error response (voice.tools registry)", VTOOLS,
     "        except Exception as exc:  # the model is told", "        except ZeroDivisionError as exc:  # the model is told",
     [R + "::test_gemini_tool_that_raises_is_answered_with_an_error_and_the_session_goes_on"]),
    ("gemini client: a tool call without an id is surfaced, not sent", GCLI,
     "            if not fc.id:", "            if False:",
     [R + "::test_gemini_tool_call_without_an_id_is_surfaced_and_the_loop_keeps_reading"]),
    ("gemini client: only the transport closing ends the receive loop", GCLI,
     "                    if self._transport_closed():", "                    if True:",
     [R + "::test_gemini_tool_call_without_an_id_is_surfaced_and_the_loop_keeps_reading"]),
    ("live client: a frame that is not JSON is skipped, the loop goes on", LCLI,
     "                except Exception as exc:  # a frame the SDK cannot parse", "                except ZeroDivisionError as exc:  # a frame the SDK cannot parse",
     [R + "::test_live_client_survives_garbage_unknown_types_and_bad_audio"]),
    ("live client: a bad audio delta is dropped and counted", LCLI,
     "            except (binascii.Error, ValueError, TypeError) as exc:  # drop the chunk",
     "            except ZeroDivisionError as exc:  # drop the chunk",
     [R + "::test_live_client_survives_garbage_unknown_types_and_bad_audio"]),
    ("costs: Gemini usage read in its wire form (camelCase)", COSTS,
     "    if isinstance(obj, Mapping) and name not in obj:\n        head, *rest", "    if False:\n        head, *rest",
     [R + "::test_cost_from_gemini_usage_reads_the_wire_form_and_prices_remainders_alike"]),
    ("costs: one rule for Gemini token remainders (output priced as text too)", COSTS,
     "        if total - counted > 0:\n            label = ", "        if kind == \"input\" and total - counted > 0:\n            label = ",
     [R + "::test_cost_from_gemini_usage_reads_the_wire_form_and_prices_remainders_alike"]),
] + [
    (f"ledger: reservations count against the budget ({t})", "course_utils/ledger.py",
     "        return self.budget_usd - self.spent_usd - self.reserved_usd", "        return self.budget_usd - self.spent_usd",
     [B + "::" + t])
    for t in ("test_concurrent_realtime_sessions_cannot_jointly_overspend",
              "test_concurrent_video_jobs_in_threads_cannot_jointly_overspend",
              "test_realtime_sessions_and_video_jobs_share_one_budget")
]

only = sys.argv[1:]
results = []
shutil.copytree(REPO, ROOT, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info"))
for name, rel, old, new, tests in MUTATIONS:
    if only and not any(o in name for o in only):
        continue
    path = ROOT / rel
    original = path.read_text()
    assert original.count(old) == 1, (name, original.count(old))
    try:
        path.write_text(original.replace(old, new))
        t0 = time.time()
        proc = subprocess.run([sys.executable, "-m", "pytest", *tests, "-q", "-x", "-p", "no:cacheprovider",
                               "-o", "addopts=", "--timeout=120"],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=600)
        failed = proc.returncode != 0
        results.append((name, "test fails: load-bearing" if failed else "STILL PASSES: not guarded"))
        print(f"{results[-1][1]:26} {name}  ({time.time() - t0:.0f} s)", flush=True)
    finally:
        path.write_text(original)
shutil.rmtree(ROOT.parent, ignore_errors=True)
unguarded = [name for name, verdict in results if verdict.startswith("STILL")]
print(f"\n{len(results) - len(unguarded)} of {len(results)} protections are load-bearing.")
sys.exit(1 if unguarded else 0)
