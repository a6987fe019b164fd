// Speaker widget (anywidget ESM): plays PCM16 mono chunks gaplessly with Web Audio, reports the
// position really played back to the kernel, and flushes at once on barge-in.
//
// Messages from the kernel (with one binary buffer for "audio"):
//   {type: "audio", item_id, seq, rate}  + Int16 little-endian mono samples
//   {type: "end", item_id}               no more audio for this item
//   {type: "flush", token}               stop everything now (barge-in)
// Messages to the kernel:
//   {type: "played", item_id, ms, state, running}  state: playing | drained | done | flushed (~every 100 ms)
//   {type: "flushed", token, items: {item_id: ms}}
//   {type: "audio-state", state}          the AudioContext state (suspended until a click allows sound)

const LEAD_S = 0.03;          // schedule this far ahead of "now" when (re)starting playback
const REPORT_EVERY_MS = 100;  // played-position reports while something plays

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

const CONTROLLERS = new Map();

class SpeakerController extends EventTarget {
  constructor(model) {
    super();
    this.model = model;
    this.ctx = null;
    this.gain = null;
    this.nextTime = 0;
    this.sources = new Set();
    this.items = new Map();   // item_id -> {segments: [[ctxStart, dur]], writtenS, state, finalMs}
    this.current = null;      // item being played (or last played)
    this.timer = null;
    this.status = "Silent.";
  }

  ensureContext() {
    if (this.ctx) return this.ctx;
    try {
      this.ctx = new AudioContext({ sampleRate: this.model.get("sample_rate") || 24000 });
    } catch (_) {
      this.ctx = new AudioContext(); // browsers that refuse the rate resample each buffer instead
    }
    this.gain = this.ctx.createGain();
    this.gain.gain.value = this.model.get("volume");
    this.gain.connect(this.ctx.destination);
    this.ctx.onstatechange = () => {
      this.model.send({ type: "audio-state", state: this.ctx ? this.ctx.state : "closed" });
      this.changed();
    };
    this.model.send({ type: "audio-state", state: this.ctx.state });
    if (this.ctx.state !== "running") this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  get needsClick() { return this.ctx !== null && this.ctx.state === "suspended"; }

  enableSound() {
    this.ensureContext();
    this.ctx.resume().catch(() => {});
  }

  changed() { this.dispatchEvent(new Event("change")); }

  sendPlayed(itemId, ms, state) {
    const running = this.ctx !== null && this.ctx.state === "running";
    this.model.send({ type: "played", item_id: itemId, ms, state, running });
  }

  playedMs(item, now) {
    if (item.finalMs !== null) return item.finalMs;
    let s = 0;
    for (const [t0, dur] of item.segments) s += Math.max(0, Math.min(dur, now - t0));
    return Math.round(s * 1000);
  }

  onAudio(msg, buffers) {
    const buf = buffers && buffers[0];
    if (!buf) return;
    const known = this.items.get(msg.item_id);
    if (known && known.state !== "playing") return;   // late audio of an interrupted/finished item
    const ctx = this.ensureContext();
    const bytes = buf instanceof DataView ? buf : new DataView(buf.buffer || buf, buf.byteOffset || 0, buf.byteLength);
    const n = Math.floor(bytes.byteLength / 2);
    if (n === 0) return;
    const rate = msg.rate || this.model.get("sample_rate") || 24000;
    const audio = ctx.createBuffer(1, n, rate);
    const data = audio.getChannelData(0);
    for (let i = 0; i < n; i++) data[i] = bytes.getInt16(2 * i, true) / 32768;
    const src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(this.gain);
    const when = Math.max(this.nextTime, ctx.currentTime + LEAD_S);
    src.start(when);
    this.nextTime = when + audio.duration;
    this.sources.add(src);
    src.onended = () => { this.sources.delete(src); };
    let item = this.items.get(msg.item_id);
    if (!item) {
      item = { segments: [], writtenS: 0, state: "playing", finalMs: null, ended: false, drained: false };
      this.items.set(msg.item_id, item);
    }
    item.drained = false;
    item.segments.push([when, audio.duration]);
    item.writtenS += audio.duration;
    this.current = msg.item_id;
    this.startReports();
  }

  startReports() {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.report(), REPORT_EVERY_MS);
  }

  report() {
    const now = this.ctx ? this.ctx.currentTime : 0;
    let active = false;
    for (const [id, item] of this.items) {
      if (item.state !== "playing" || item.drained) continue;
      const ms = this.playedMs(item, now);
      const [t0, dur] = item.segments.length ? item.segments[item.segments.length - 1] : [0, 0];
      if (now < t0 + dur) {
        active = true;
        this.sendPlayed(id, ms, "playing");
      } else if (item.ended) {
        item.state = "done";
        item.finalMs = Math.round(item.writtenS * 1000);
        this.sendPlayed(id, item.finalMs, "done");
      } else {
        item.drained = true;   // all it received so far has played; more may come
        this.sendPlayed(id, ms, "drained");
      }
    }
    if (!active) { clearInterval(this.timer); this.timer = null; }
    this.changed();
  }

  flush(token) {
    const now = this.ctx ? this.ctx.currentTime : 0;
    for (const src of this.sources) { try { src.stop(); } catch (_) { /* not started */ } }
    this.sources.clear();
    const items = {};
    for (const [id, item] of this.items) {
      if (item.state !== "playing") continue;
      item.finalMs = this.playedMs(item, now);
      item.state = "flushed";
      items[id] = item.finalMs;
      this.sendPlayed(id, item.finalMs, "flushed");
    }
    this.nextTime = 0;
    this.model.send({ type: "flushed", token, items });
    this.changed();
  }

  describe() {
    if (this.needsClick) return "Sound is blocked until you click “Enable sound”.";
    const id = this.current;
    const item = id && this.items.get(id);
    if (!item) return this.status;
    const played = (this.playedMs(item, this.ctx ? this.ctx.currentTime : 0) / 1000).toFixed(1);
    const total = item.writtenS.toFixed(1);
    if (item.state === "flushed") return `Interrupted ${id} at ${played} s of ${total} s (flushed).`;
    if (item.state === "done") return `Played ${id}: ${total} s.`;
    if (item.drained) return `Played ${id}: ${played} s (all the audio received so far).`;
    return `Playing ${id}: ${played} s of ${total} s received.`;
  }
}

function controllerFor(model) {
  const id = model.get("_instance_id") || "default";
  let c = CONTROLLERS.get(id);
  if (!c) { c = new SpeakerController(model); CONTROLLERS.set(id, c); }
  return c;
}

function initialize({ model }) {
  const c = controllerFor(model);
  const onMsg = (msg, buffers) => {
    if (!msg) return;
    if (msg.type === "audio") c.onAudio(msg, buffers);
    else if (msg.type === "end") {
      const item = c.items.get(msg.item_id);
      if (item) { item.ended = true; item.drained = false; }
      c.startReports();
    } else if (msg.type === "flush") c.flush(msg.token);
  };
  const onVolume = () => { if (c.gain) c.gain.gain.value = model.get("volume"); };
  model.on("msg:custom", onMsg);
  model.on("change:volume", onVolume);
  return () => {
    model.off("msg:custom", onMsg);
    model.off("change:volume", onVolume);
    if (c.timer !== null) clearInterval(c.timer);
    if (c.ctx) c.ctx.close().catch(() => {});
    CONTROLLERS.delete(model.get("_instance_id") || "default");
  };
}

function render({ model, el: root }) {
  const c = controllerFor(model);
  const box = el("div", "rvl-widget rvl-speaker");
  const title = el("span", "rvl-title", (model.get("label") || "Speaker"));
  const enable = el("button", "rvl-btn rvl-enable", "Enable sound");
  const meter = el("div", "rvl-meter");
  const bar = el("div", "rvl-meter-bar");
  meter.appendChild(bar);
  const status = el("div", "rvl-status");
  const row = el("div", "rvl-row");
  row.append(title, enable, meter);
  box.append(row, status);
  root.appendChild(box);
  enable.addEventListener("click", () => c.enableSound());

  const paint = () => {
    const item = c.current && c.items.get(c.current);
    box.dataset.state = item ? item.state : "idle";
    enable.style.display = c.ctx === null || c.needsClick ? "" : "none";
    const now = c.ctx ? c.ctx.currentTime : 0;
    const pct = item && item.writtenS > 0 ? Math.min(100, (c.playedMs(item, now) / 10) / item.writtenS) : 0;
    bar.style.width = `${pct.toFixed(0)}%`;
    status.textContent = c.describe();
  };
  paint();
  c.addEventListener("change", paint);
  return () => c.removeEventListener("change", paint);
}

export default { initialize, render };
