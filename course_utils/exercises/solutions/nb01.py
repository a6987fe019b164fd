"""Reference solutions for notebook 01 (shown on request with ``grader.solution("q1")``)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
# the pause inside the sentence is about 680 ms and the quiet after the last word 1.5 s: anything in between
# keeps the question whole; the shorter end of that range keeps the answer's latency down
my_turn_detection = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 800}
''',
    "q2": '''# EXERCISE q2
def session_cost_usd(usages, prices):
    """USD for a Realtime session: every response.done usage block, priced per 1M tokens."""
    total = 0.0
    for usage in usages:
        inp, out = usage["input_token_details"], usage["output_token_details"]
        cached = inp.get("cached_tokens_details") or {}
        for modality in ("text", "audio", "image"):
            hit = cached.get(f"{modality}_tokens", 0)
            total += (inp.get(f"{modality}_tokens", 0) - hit) * prices[f"{modality}_input"]
            total += hit * prices[f"{modality}_cached_input"]
        total += out.get("text_tokens", 0) * prices["text_output"]
        total += out.get("audio_tokens", 0) * prices["audio_output"]
    return total / 1_000_000
''',
    "q3": '''# EXERCISE q3
def barge_in_events(sink, active_response_id, interrupt_response):
    """Stop playback now; return the events that make the server's memory match what was heard."""
    cut = sink.stop()  # {item_id: played_ms} of every item whose audio was cut off
    events = []
    if active_response_id is not None and not interrupt_response:
        events.append({"type": "response.cancel", "response_id": active_response_id})
    for item_id, played_ms in cut.items():
        events.append({"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0,
                       "audio_end_ms": played_ms})
    return events
''',
}
