// Microphone widget (anywidget ESM): getUserMedia -> AudioWorklet -> PCM16 mono 24 kHz chunks,
// sent to the kernel as binary comm buffers. Works with the anywidget front end on ipywidgets 7 and 8.
//
// Messages to the kernel (model.send(content, callbacks, buffers)):
//   {type: "chunk", seq, rms, ms}  + one buffer: Int16 little-endian samples, mono, 24 kHz
//   {type: "started", device, context_rate} / {type: "stopped", reason}
//   {type: "error", code, message}   code: permission-denied | no-microphone | busy | unsupported | failed
// Messages from the kernel: {type: "start"} / {type: "stop"} / {type: "kernel-error", message}.
// Traits read: consumers (how many kernel tasks receive the audio) and disconnect_reason: with no
// consumer the widget says it is disconnected rather than "Listening".

// The worklet runs on the audio thread. It mixes the input to mono, resamples it (linear
// interpolation) from the context's rate to the target rate, and posts fixed-size Int16 chunks.
const WORKLET_SOURCE = `
class RvlPcmChunker extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = (options && options.processorOptions) || {};
    this.outRate = o.targetRate || 24000;
    this.size = Math.max(1, Math.round(this.outRate * (o.chunkMs || 40) / 1000));
    this.step = sampleRate / this.outRate;   // input samples per output sample
    this.t = 0;                               // next output position, in input samples of this block
    this.prev = 0;                            // last input sample of the previous block
    this.buf = new Int16Array(this.size);
    this.n = 0;
    this.sumSq = 0;
    this.running = true;
    this.port.onmessage = (e) => { if (e.data === "stop") this.running = false; };
  }
  process(inputs) {
    const input = inputs[0];
    if (!this.running) return false;
    if (!input || input.length === 0 || input[0].length === 0) return true;
    const len = input[0].length;
    const mono = new Float32Array(len);
    for (let c = 0; c < input.length; c++) {
      const ch = input[c];
      for (let i = 0; i < len; i++) mono[i] += ch[i] / input.length;
    }
    let t = this.t;
    while (t < len - 1) {
      const i = Math.floor(t);
      const f = t - i;
      const a = i < 0 ? this.prev : mono[i];
      const b = mono[i + 1];
      let v = a + (b - a) * f;
      v = v > 1 ? 1 : (v < -1 ? -1 : v);
      this.sumSq += v * v;
      this.buf[this.n++] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
      if (this.n === this.size) {
        const rms = Math.sqrt(this.sumSq / this.size);
        this.port.postMessage({ pcm: this.buf.buffer, rms }, [this.buf.buffer]);
        this.buf = new Int16Array(this.size);
        this.n = 0;
        this.sumSq = 0;
      }
      t += this.step;
    }
    this.t = t - len;
    this.prev = mono[len - 1];
    return true;
  }
}
registerProcessor("rvl-pcm-chunker", RvlPcmChunker);
`;

const MESSAGES = {
  "permission-denied":
    "Microphone permission was denied. Allow microphone access for this page (the icon at the left of " +
    "the address bar), then press Start again.",
  "no-microphone": "No microphone was found. Plug one in (or enable it in the system settings), then press Start again.",
  "busy": "The microphone is in use by another program or could not be opened. Close that program, then press Start again.",
  "unsupported":
    "This page cannot use a microphone: it needs a secure context (https:// or localhost) and a browser with " +
    "getUserMedia and AudioWorklet. Open the notebook over https or on localhost.",
};

function classify(err) {
  const name = (err && err.name) || "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "permission-denied";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return "no-microphone";
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") return "busy";
  return "failed";
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// One controller per widget model (shared by every view of it): one stream, one AudioContext.
const CONTROLLERS = new Map();

class MicController extends EventTarget {
  constructor(model) {
    super();
    this.model = model;
    this.ctx = null; this.stream = null; this.node = null; this.source = null;
    this.seq = 0; this.sentMs = 0; this.db = -Infinity;
    this.state = "idle";
    this.status = "Press Start and allow the microphone.";
    this.chunkMs = model.get("chunk_ms") || 40;
    this.rate = model.get("sample_rate") || 24000;
  }

  set(state, status) {
    this.state = state;
    if (status !== undefined) this.status = status;
    this.dispatchEvent(new Event("change"));
  }

  fail(code, err) {
    const detail = err && err.message ? `${err.name || "Error"}: ${err.message}` : "";
    const message = (MESSAGES[code] || "The microphone could not be started.") + (code === "failed" && detail ? ` (${detail})` : "");
    this.db = -Infinity;
    this.set("error", message);
    this.model.send({ type: "error", code, message, detail });
  }

  async start() {
    if (this.ctx || this.state === "starting") return;
    this.set("starting", "Starting the microphone…");
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || typeof AudioWorkletNode === "undefined") {
      this.fail("unsupported");
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          channelCount: 1,
          echoCancellation: this.model.get("echo_cancellation"),
          noiseSuppression: this.model.get("noise_suppression"),
          autoGainControl: this.model.get("auto_gain_control"),
        },
      });
    } catch (err) {
      this.stream = null;
      this.fail(classify(err), err);
      return;
    }
    try {
      const ctx = new AudioContext();
      this.ctx = ctx;
      const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: "text/javascript" }));
      await ctx.audioWorklet.addModule(url);
      URL.revokeObjectURL(url);
      this.source = ctx.createMediaStreamSource(this.stream);
      this.node = new AudioWorkletNode(ctx, "rvl-pcm-chunker", {
        numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: "explicit",
        processorOptions: { targetRate: this.rate, chunkMs: this.chunkMs },
      });
      this.node.port.onmessage = (e) => this.onChunk(e.data);
      this.source.connect(this.node);
      if (ctx.state !== "running") await ctx.resume();
      const track = this.stream.getAudioTracks()[0];
      const device = (track && track.label) || "microphone";
      this.set("recording", `Listening on “${device}”.`);
      this.model.send({ type: "started", device, context_rate: ctx.sampleRate });
    } catch (err) {
      await this.stop("error");
      this.fail("failed", err);
    }
  }

  onChunk({ pcm, rms }) {
    this.seq += 1;
    this.sentMs += this.chunkMs;
    this.model.send({ type: "chunk", seq: this.seq, rms, ms: this.sentMs }, undefined, [pcm]);
    this.db = 20 * Math.log10(Math.max(rms, 1e-6));
    this.status = `Listening: ${(this.sentMs / 1000).toFixed(1)} s sent (${this.seq} chunks of ${this.chunkMs} ms).`;
    this.dispatchEvent(new Event("change"));
  }

  async stop(reason = "stopped") {
    const wasRunning = this.ctx !== null;
    if (this.node) { this.node.port.postMessage("stop"); this.node.port.onmessage = null; this.node.disconnect(); }
    if (this.source) this.source.disconnect();
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.ctx) { try { await this.ctx.close(); } catch (_) { /* already closed */ } }
    this.node = this.source = this.stream = this.ctx = null;
    this.db = -Infinity;
    if (reason !== "error") this.set("idle", `Stopped after ${(this.sentMs / 1000).toFixed(1)} s.`);
    if (wasRunning) this.model.send({ type: "stopped", reason });
  }
}

function controllerFor(model) {
  const id = model.get("_instance_id") || "default";
  let c = CONTROLLERS.get(id);
  if (!c) { c = new MicController(model); CONTROLLERS.set(id, c); }
  return c;
}

function initialize({ model }) {
  const c = controllerFor(model);
  const onMsg = (msg) => {
    if (msg && msg.type === "start") c.start();
    else if (msg && msg.type === "stop") c.stop("kernel");
    else if (msg && msg.type === "kernel-error") c.set("error", msg.message);
  };
  model.on("msg:custom", onMsg);
  return () => {
    model.off("msg:custom", onMsg);
    c.stop("widget closed");
    CONTROLLERS.delete(model.get("_instance_id") || "default");
  };
}

function render({ model, el: root }) {
  const c = controllerFor(model);
  const box = el("div", "rvl-widget rvl-mic");
  const title = el("span", "rvl-title", (model.get("label") || "Microphone"));
  const start = el("button", "rvl-btn rvl-start", "Start");
  const stop = el("button", "rvl-btn rvl-stop", "Stop");
  const meter = el("div", "rvl-meter");
  meter.title = "input level (dBFS)";
  const bar = el("div", "rvl-meter-bar");
  meter.appendChild(bar);
  const status = el("div", "rvl-status");
  const row = el("div", "rvl-row");
  row.append(title, start, stop, meter);
  box.append(row, status);
  root.appendChild(box);

  // Nothing in the kernel receives the audio (no mic.forward(...) task yet, or it was cancelled or
  // ended with its session): say so, instead of "Listening" with no one listening.
  const connection = () => {
    if (c.state === "error" || c.state === "starting") return null;
    const consumers = Number(model.get("consumers") || 0);
    const reason = model.get("disconnect_reason") || "";
    if (consumers > 0) return null;
    if (reason) {
      return `Disconnected: ${reason}. What you say goes nowhere; run the cell that calls mic.forward(...) again.`;
    }
    if (c.state === "recording") {
      return "Listening, but not connected: nothing in the kernel receives the audio yet. Run the cell that calls mic.forward(...).";
    }
    return null;
  };
  const paint = () => {
    const disconnected = connection();
    box.dataset.state = disconnected ? "disconnected" : c.state;
    status.textContent = disconnected || c.status;
    start.disabled = c.state === "recording" || c.state === "starting";
    stop.disabled = !(c.state === "recording" || c.state === "starting");
    const pct = Number.isFinite(c.db) ? Math.max(0, Math.min(100, ((c.db + 60) / 60) * 100)) : 0;
    bar.style.width = `${pct.toFixed(0)}%`;
    bar.dataset.db = Number.isFinite(c.db) ? c.db.toFixed(1) : "-inf";
  };
  paint();
  c.addEventListener("change", paint);
  model.on("change:consumers", paint);
  model.on("change:disconnect_reason", paint);
  start.addEventListener("click", () => { c.start(); });
  stop.addEventListener("click", () => { c.stop("button"); });
  return () => {
    c.removeEventListener("change", paint);
    model.off("change:consumers", paint);
    model.off("change:disconnect_reason", paint);
  };
}

export default { initialize, render };
