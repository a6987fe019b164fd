"""Browser microphone and speaker widgets (anywidget) for talking to a model from a notebook.

* :class:`Microphone` - ``getUserMedia`` + an AudioWorklet stream PCM16 mono 24 kHz chunks (20-40 ms)
  to the kernel as binary comm messages; ``mic.forward(send)`` starts the background task that
  passes them on (e.g. to ``RealtimeClient``'s input buffer).
* :class:`Speaker` - plays ``response.output_audio.delta`` audio gaplessly, reports the position
  really heard, flushes at once on barge-in; it is a :class:`course_utils.voice.PlaybackSink`.
* :class:`LocalMicrophone` - the same stream from ``sounddevice`` for local scripts (pair it with
  :class:`course_utils.voice.SpeakerSink`).

Front ends: written for JupyterLab 4 / Notebook 7 with ipywidgets 8 and anywidget 0.11 (tested in a
real Chromium by ``tests/test_browser_e2e.py``; ipywidgets 7.7.1 with anywidget 0.9.21 is tested in a
classic Notebook 6.5 page by ``tests/test_browser_classic_notebook.py``), and for Google Colab with ipywidgets 7.7.1 and
anywidget 0.9 (``pip install "anywidget>=0.9"``; anywidget enables Colab's custom widget manager by
itself; Colab asks for the microphone the first time you press Start). Both need a secure page
(https or localhost) for the microphone, and a click before the browser allows sound.
"""
from .mic import LocalMicrophone, Microphone, MicrophoneError
from .speaker import ItemPlayback, Speaker

__all__ = ["Microphone", "LocalMicrophone", "MicrophoneError", "Speaker", "ItemPlayback"]
