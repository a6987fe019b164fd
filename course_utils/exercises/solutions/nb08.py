"""Reference solutions for notebook 08's exercises (shown on request: ``grader.solution("q1")``)."""

SOLUTIONS = {
    "q1": '''# EXERCISE q1
from course_utils import costs


def meeting_cost(minutes: float, listener_languages: list[str], source: str = "en") -> float:
    """USD to interpret a meeting: one session per listener language other than the speaker's."""
    sessions = len(set(listener_languages) - {source})
    return minutes * costs.price("gpt-realtime-translate", "audio_minute") * sessions
''',
    "q2": '''# EXERCISE q2
def phrase_lags(source_segments, output_words):
    """For each source phrase: ms from its start to the first word of its translated sentence."""
    starts, new_sentence = [], True
    for arrival_ms, delta in output_words:
        if new_sentence:
            starts.append(arrival_ms)
        new_sentence = delta.rstrip().endswith((".", "?", "!"))
    return [first - start for (start, _end), first in zip(source_segments, starts)]
''',
    "q3": '''# EXERCISE q3
import asyncio
import base64

from openai import AsyncOpenAI


async def interpret(base_url, pcm: bytes, language: str, speed: float = 1.0) -> str:
    """A translation session by hand: returns the translated transcript."""
    client = AsyncOpenAI(api_key=cfg.key("openai"), websocket_base_url=base_url)
    words = []
    async with client.realtime.translations.connect(model="gpt-realtime-translate") as conn:
        await conn.session.update(session={"audio": {"output": {"language": language}}})

        async def read():
            async for event in conn:
                if event.type == "session.output_transcript.delta":
                    words.append(event.delta)
                elif event.type == "session.closed":
                    return

        reader = asyncio.create_task(read())
        chunk = 24000 * 2 * 200 // 1000           # 200 ms of PCM16 at 24 kHz
        for i in range(0, len(pcm), chunk):
            await conn.session.input_audio_buffer.append(audio=base64.b64encode(pcm[i:i + chunk]).decode())
            await asyncio.sleep(0.2 / speed)
        await conn.session.close()
        await asyncio.wait_for(reader, 30)
    return "".join(words)
''',
}
