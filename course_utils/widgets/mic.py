"""A microphone for notebooks: the browser streams PCM16 mono 24 kHz chunks to the kernel.

The browser side (``mic.js``) asks for the microphone with ``getUserMedia``, runs an AudioWorklet
that mixes to mono and resamples to 24 kHz, and sends one binary comm message per chunk (20-40 ms).
The kernel side (:class:`Microphone`) receives them between cells and hands them to a background
task, which forwards them to e.g. a Realtime client's input buffer::

    mic = Microphone()
    display(mic)                                   # press Start in the widget
    task = mic.forward(client.append_audio)        # a background asyncio task; the cell returns

Why a background task and not ``async for chunk in mic.chunks()`` in a cell: while a cell runs,
the kernel does not process other messages from the front end, so a cell that waits for widget
messages waits forever (Colab behaves the same). A task created in a cell keeps running on the
kernel's event loop after the cell has finished, and then the messages flow.

Outside a notebook, :class:`LocalMicrophone` gives the same ``chunks()`` / ``forward()`` with the
``sounddevice`` package (PortAudio).
"""
from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import anywidget
import traitlets

from ..errors import CourseError, OperationTimeout
from ..voice.formats import SAMPLE_RATE

_HERE = Path(__file__).resolve().parent

#: How long a consumer waits for the next chunk before giving up (a forgotten task must end).
DEFAULT_IDLE_TIMEOUT_S = 15 * 60.0


class MicrophoneError(CourseError):
    """The microphone could not be used (permission denied, no device, unsupported page...)."""

    def __init__(self, message: str, *, code: str = "failed"):
        self.code = code
        super().__init__(message)


ChunkCallback = Callable[[bytes], None]
Sender = Callable[[bytes], Awaitable[object] | object]

_STOP = object()  # queue sentinel: the source closed


class _ChunkFanout:
    """Delivers chunks from whatever thread receives them to callbacks and asyncio queues."""

    def __init__(self) -> None:
        self._callbacks: list[ChunkCallback] = []
        self._queues: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []
        self._lock = threading.Lock()

    def add_callback(self, callback: ChunkCallback) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def remove_callback(self, callback: ChunkCallback) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def add_queue(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
        with self._lock:
            self._queues.append((loop, queue))

    def remove_queue(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._queues = [(lp, q) for lp, q in self._queues if q is not queue]

    def publish(self, item: object) -> None:
        with self._lock:
            callbacks = list(self._callbacks) if isinstance(item, bytes) else []
            queues = list(self._queues)
        for cb in callbacks:
            try:
                cb(item)  # type: ignore[arg-type]
            except Exception as exc:  # a broken callback must not stop the stream
                print(f"microphone callback {getattr(cb, '__name__', cb)!r} failed: {exc!r}", file=sys.stderr)
        for loop, queue in queues:
            if loop.is_closed():
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                queue.put_nowait(item)
            else:
                loop.call_soon_threadsafe(queue.put_nowait, item)


class _ChunkSource:
    """``chunks()`` and ``forward()`` shared by the notebook widget and the local microphone."""

    _fanout: _ChunkFanout
    sample_rate: int

    def on_chunk(self, callback: ChunkCallback) -> ChunkCallback:
        """Call ``callback(pcm_bytes)`` for every chunk, in the thread that receives it. Returns it."""
        self._fanout.add_callback(callback)
        return callback

    async def chunks(self, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT_S) -> AsyncIterator[bytes]:
        """Yield PCM16 mono chunks as they arrive (use it in a background task, see the module doc).

        Raises :class:`MicrophoneError` if the browser reports an error and
        :class:`OperationTimeout` after ``idle_timeout`` seconds without audio.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        self._fanout.add_queue(loop, queue)
        self._count_consumer(+1)
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), idle_timeout)
                except asyncio.TimeoutError:
                    raise OperationTimeout(
                        f"No audio from the microphone for {idle_timeout:g} s; press Start in the widget "
                        f"(or pass a longer idle_timeout)."
                    ) from None
                if item is _STOP:
                    return
                if isinstance(item, MicrophoneError):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            self._fanout.remove_queue(queue)
            self._count_consumer(-1)

    def _count_consumer(self, delta: int) -> None:
        """A consumer of ``chunks()`` started (+1) or ended (-1); the widget shows when none is left."""

    def forward(self, send: Sender, *, idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT_S,
                on_error: Callable[[BaseException], None] | None = None) -> asyncio.Task:
        """Start a background task that passes every chunk to ``send`` (sync or async); return the task.

        Call it from a notebook cell (or any coroutine): the task runs on the kernel's event loop
        after the cell has returned. Cancel it with ``task.cancel()``. An error ends the task and is
        reported through ``on_error`` (default: shown in the widget and printed).
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise CourseError("forward() needs a running event loop: call it from a notebook cell "
                              "(Jupyter/Colab run one) or from inside a coroutine.") from None

        async def pump() -> None:
            stream = self.chunks(idle_timeout=idle_timeout)
            try:
                async for pcm in stream:
                    result = send(pcm)
                    if inspect.isawaitable(result):
                        # awaited as a separate future: cancelling the task ends it at once even when a send
                        # is stuck on a stalled connection (which then ends on its own timeout)
                        pending = asyncio.ensure_future(result)
                        try:
                            await asyncio.wait({pending})
                        except asyncio.CancelledError:
                            pending.cancel()
                            raise
                        pending.result()
            finally:
                await stream.aclose()  # at once, so the widget knows nothing receives the audio any more

        task = loop.create_task(pump(), name=f"{type(self).__name__}.forward")

        def done(t: asyncio.Task) -> None:
            if t.cancelled() or t.exception() is None:
                return
            exc = t.exception()
            (on_error or self._report_error)(exc)  # type: ignore[arg-type]

        task.add_done_callback(done)
        return task

    def _report_error(self, exc: BaseException) -> None:
        print(f"microphone forwarding stopped: {exc}", file=sys.stderr)


class Microphone(_ChunkSource, anywidget.AnyWidget):
    """The browser's microphone as a stream of PCM16 mono 24 kHz chunks (see the module doc).

    Works in JupyterLab 4 / Notebook 7 (ipywidgets 8) and in Colab (ipywidgets 7.7.1 with
    anywidget 0.9; anywidget turns on Colab's custom widget manager by itself).
    """

    _esm = (_HERE / "mic.js").read_text()
    _css = (_HERE / "widgets.css").read_text()

    label = traitlets.Unicode("Microphone").tag(sync=True)
    sample_rate = traitlets.Int(SAMPLE_RATE, read_only=True).tag(sync=True)
    chunk_ms = traitlets.Int(40).tag(sync=True)
    echo_cancellation = traitlets.Bool(True).tag(sync=True)
    noise_suppression = traitlets.Bool(True).tag(sync=True)
    auto_gain_control = traitlets.Bool(True).tag(sync=True)
    _instance_id = traitlets.Unicode().tag(sync=True)
    #: how many consumers (``forward()`` tasks, ``chunks()`` loops) receive the audio in the kernel; with none
    #: (never started, cancelled, or ended by an error) the widget says it is not connected
    consumers = traitlets.Int(0, read_only=True).tag(sync=True)
    #: how the last consumer ended ("" while one runs); shown by the widget
    disconnect_reason = traitlets.Unicode("").tag(sync=True)

    def __init__(self, *, chunk_ms: int = 40, label: str = "Microphone", **kwargs) -> None:
        if not 20 <= int(chunk_ms) <= 40:
            raise CourseError(f"chunk_ms must be between 20 and 40 (got {chunk_ms}); the Realtime API "
                              f"works best with 20-40 ms chunks.")
        super().__init__(chunk_ms=int(chunk_ms), label=label, _instance_id=uuid.uuid4().hex, **kwargs)
        self._fanout = _ChunkFanout()
        self.state = "idle"            # idle | recording | stopped | error
        self.device: str | None = None
        self.error: MicrophoneError | None = None
        self.chunks_received = 0
        self.bytes_received = 0
        self.last_rms = 0.0
        self.first_chunk_at: float | None = None   # time.monotonic() of the first chunk
        self.on_msg(self._on_front_end_msg)

    # -- messages from the browser ------------------------------------------------------------
    def _on_front_end_msg(self, _widget, content: dict, buffers: list) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "chunk":
            if not buffers:
                return
            pcm = bytes(buffers[0])
            if len(pcm) % 2:
                pcm = pcm[:-1]
            self.chunks_received += 1
            self.bytes_received += len(pcm)
            self.last_rms = float(content.get("rms") or 0.0)
            if self.first_chunk_at is None:
                self.first_chunk_at = time.monotonic()
            self._fanout.publish(pcm)
        elif kind == "started":
            self.state, self.error = "recording", None
            self.device = content.get("device")
        elif kind == "stopped":
            self.state = "stopped"
        elif kind == "error":
            self.state = "error"
            self.error = MicrophoneError(content.get("message") or "The microphone failed.",
                                         code=content.get("code") or "failed")
            self._fanout.publish(self.error)

    # -- control from the kernel --------------------------------------------------------------
    def start(self) -> None:
        """Ask the browser to start (it may refuse sound until the page had a click: press Start)."""
        self.send({"type": "start"})

    def stop(self) -> None:
        """Ask the browser to stop recording."""
        self.send({"type": "stop"})

    @property
    def received_ms(self) -> float:
        """Milliseconds of audio received from the browser so far."""
        return self.bytes_received / 2 / self.sample_rate * 1000

    def _report_error(self, exc: BaseException) -> None:
        super()._report_error(exc)
        try:
            self.disconnect_reason = f"Forwarding stopped: {exc}"
            self.send({"type": "kernel-error", "message": f"Forwarding stopped: {exc}"})
        except Exception:
            pass

    def _count_consumer(self, delta: int) -> None:
        n = max(0, self.consumers + delta)
        if n == 0 and delta < 0 and not self.disconnect_reason:
            self.disconnect_reason = "the forwarding task ended (cancelled, or its session closed)"
        elif delta > 0:
            self.disconnect_reason = ""
        self.set_trait("consumers", n)

    def close(self) -> None:
        fanout = getattr(self, "_fanout", None)  # absent if __init__ refused its arguments
        if fanout is not None:
            fanout.publish(_STOP)
        super().close()

    def __repr__(self) -> str:
        return (f"Microphone(state={self.state!r}, chunk_ms={self.chunk_ms}, "
                f"received={self.received_ms / 1000:.1f} s in {self.chunks_received} chunks)")


class LocalMicrophone(_ChunkSource):
    """The same stream from a local sound card with ``sounddevice``, for scripts outside notebooks.

    >>> mic = LocalMicrophone()
    >>> mic.start()
    >>> task = mic.forward(client.append_audio)   # inside your asyncio program
    """

    def __init__(self, chunk_ms: int = 40, device: int | str | None = None, sample_rate: int = SAMPLE_RATE):
        if not 20 <= int(chunk_ms) <= 40:
            raise CourseError(f"chunk_ms must be between 20 and 40 (got {chunk_ms}).")
        try:
            import sounddevice as sd  # type: ignore
        except Exception as exc:  # ImportError, or OSError when PortAudio is missing
            raise MicrophoneError(
                f"LocalMicrophone needs sounddevice ({type(exc).__name__}): pip install sounddevice "
                f"(and apt install libportaudio2 / brew install portaudio); in a notebook use Microphone().",
                code="unsupported") from None
        self._sd = sd
        self._fanout = _ChunkFanout()
        self.sample_rate = sample_rate
        self.chunk_ms = int(chunk_ms)
        self.device = device
        self._stream = None
        self.chunks_received = 0

    def _callback(self, indata, _frames, _time, status) -> None:
        self.chunks_received += 1
        self._fanout.publish(bytes(indata))

    def start(self) -> "LocalMicrophone":
        """Open the input device (PCM16 mono at 24 kHz, one callback per chunk)."""
        if self._stream is None:
            try:
                self._stream = self._sd.RawInputStream(
                    samplerate=self.sample_rate, channels=1, dtype="int16", device=self.device,
                    blocksize=int(self.sample_rate * self.chunk_ms / 1000), callback=self._callback)
                self._stream.start()
            except Exception as exc:
                self._stream = None
                raise MicrophoneError(f"Could not open the microphone ({exc}); check "
                                      f"`python -m sounddevice` for device names.", code="no-microphone") from None
        return self

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        self._fanout.publish(_STOP)

    def __enter__(self) -> "LocalMicrophone":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
