// Live capture, run by gr.HTML's js_on_load or by the candidate's page (`element`, `props`, `server` given).
// props.mode "camera": the candidate's camera and microphone (their link's page, ui/candidate.py);
// props.mode "screen": the interviewer shares the meeting tab or window and drags a rectangle
// over the candidate's tile. Frames go to server.frame() as JPEG, at most FPS per second and
// never more than one in flight (a tick that finds the last frame still on its way is skipped:
// the live path drops frames, it never queues them). Audio goes to server.audio() as 16-bit PCM
// in ~0.5 s chunks; chunks are never dropped, they wait and merge while one is in flight.
const MAX_SIDE = 640, FPS = 15, AUDIO_CHUNK_S = 0.5, JPEG_QUALITY = 0.85;
const mode = props.mode;
const $ = (selector) => element.querySelector(selector);
const video = $(".iv-video"), overlay = $(".iv-overlay"), stateEl = $(".iv-state"), promptEl = $(".iv-prompt");
const startBtn = $(".iv-start"), stopBtn = $(".iv-stop"), wholeBtn = $(".iv-whole"), statsEl = $(".iv-stats");
// The session: the candidate link's token, or the id the interviewer's Start button puts in props.value.
let session = props.value;
if (mode === "screen") watch("value", () => { session = props.value; if (!session && running) stop("The session has ended."); });
const canvas = document.createElement("canvas"), painter = canvas.getContext("2d");
let stream = null, running = false, crop = null, t0 = 0, sending = false, sent = 0, audio = null;

function say(text, kind) { stateEl.textContent = text; stateEl.dataset.kind = kind || ""; }

function explain(error) {
  if (error && error.name === "NotAllowedError")
    return mode === "camera" ? "The browser was not allowed to use the camera and microphone: allow them and press Start again."
                             : "Sharing was cancelled: press Share again and pick the meeting tab or window.";
  if (error && error.name === "NotFoundError") return "No camera or microphone was found on this device.";
  return "Capture could not start: " + (error && error.message ? error.message : String(error));
}

// A timer in a worker keeps ticking when this tab is in the background (the interviewer is in the meeting tab).
const ticker = new Worker(URL.createObjectURL(new Blob(
  ["let id = null; onmessage = (e) => { clearInterval(id); if (e.data > 0) id = setInterval(() => postMessage(0), e.data); };"],
  {type: "text/javascript"})));
ticker.onmessage = () => { if (running && !sending) sendFrame(); };

function grab() {
  const vw = video.videoWidth, vh = video.videoHeight;
  if (!vw || !vh) return null;
  const r = crop || {x: 0, y: 0, w: 1, h: 1};
  const sw = r.w * vw, sh = r.h * vh, scale = Math.min(1, MAX_SIDE / Math.max(sw, sh));
  canvas.width = Math.max(2, Math.round(sw * scale));
  canvas.height = Math.max(2, Math.round(sh * scale));
  painter.drawImage(video, r.x * vw, r.y * vh, sw, sh, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", JPEG_QUALITY);
}

async function sendFrame() {
  const jpeg = grab();
  if (!jpeg) return;
  sending = true;
  try {
    const reply = await server.frame({session: session, t: (performance.now() - t0) / 1000, jpeg: jpeg});
    sent += 1;
    if (!reply.ok) { stop(reply.message, reply.ended ? "" : "error", reply.ended); return; }
    statsEl.textContent = `sent ${sent} frames (${canvas.width}x${canvas.height}), analysed ${reply.analysed_fps.toFixed(1)} fps`;
    element.dataset.sent = String(sent);
    element.dataset.frameSize = `${canvas.width}x${canvas.height}`;
    if (mode === "camera") {
      promptEl.hidden = !reply.prompt;
      promptEl.textContent = reply.prompt || "";
    }
  } catch (error) {
    say("Lost contact with the server; retrying.", "error");
  } finally {
    sending = false;
  }
}

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function startAudio() {
  const tracks = stream.getAudioTracks();
  if (!tracks.length) return false;
  const context = new AudioContext();
  const source = context.createMediaStreamSource(new MediaStream(tracks));
  const processor = context.createScriptProcessor(4096, 1, 1);
  const silent = context.createGain();
  silent.gain.value = 0;  // the processor must reach the destination to run; nothing is played
  source.connect(processor); processor.connect(silent); silent.connect(context.destination);
  let parts = [], length = 0, chunkT = null, busy = false;
  async function flush() {
    busy = true;
    const pcm = new Int16Array(length);
    let offset = 0;
    for (const part of parts) for (let i = 0; i < part.length; i++) pcm[offset++] = Math.max(-32768, Math.min(32767, Math.round(part[i] * 32767)));
    const t = chunkT;
    chunkT += length / context.sampleRate;  // the next chunk follows on the audio clock, sample-exact
    parts = []; length = 0;
    try { await server.audio({session: session, t: t, rate: context.sampleRate, pcm: base64(new Uint8Array(pcm.buffer))}); } catch (error) {}
    busy = false;
  }
  processor.onaudioprocess = (event) => {
    if (!running) return;
    const samples = event.inputBuffer.getChannelData(0);
    if (chunkT === null) chunkT = (performance.now() - t0) / 1000 - samples.length / context.sampleRate;
    parts.push(new Float32Array(samples)); length += samples.length;
    if (!busy && length >= AUDIO_CHUNK_S * context.sampleRate) flush();
  };
  audio = context;
  return true;
}

// `final`: the call is over, so Start stays off (the candidate's consent was for that call).
function stop(message, kind, final) {
  running = false;
  ticker.postMessage(0);
  if (stream) stream.getTracks().forEach((track) => track.stop());
  if (audio) audio.close();
  stream = null; audio = null;
  startBtn.disabled = Boolean(final); stopBtn.disabled = true;
  promptEl.hidden = true;
  if (final) $(".iv-stage").hidden = true;
  element.dataset.running = "false";
  say(message || "Stopped.", kind);
}

startBtn.addEventListener("click", async () => {
  startBtn.disabled = true;
  const joined = await server.join({session: session});
  if (!joined.ok) { say(joined.message, "error"); startBtn.disabled = false; return; }
  try {
    stream = mode === "camera"
      ? await navigator.mediaDevices.getUserMedia({video: {width: {ideal: 640}, height: {ideal: 480}, frameRate: {ideal: FPS}},
                                                   audio: {channelCount: 1, echoCancellation: true, noiseSuppression: false}})
      : await navigator.mediaDevices.getDisplayMedia({video: {frameRate: {ideal: FPS}}, audio: true});
  } catch (error) { say(explain(error), "error"); startBtn.disabled = false; return; }
  video.srcObject = stream;
  await video.play();
  stream.getVideoTracks()[0].addEventListener("ended", () => stop("Sharing stopped.", ""));
  t0 = performance.now(); sent = 0; running = true;
  const withAudio = startAudio();
  stopBtn.disabled = false;
  element.dataset.running = "true";
  say(mode === "camera"
        ? "Your camera and microphone are on. Follow any instruction that appears above the picture."
        : (withAudio ? "Sharing. Drag a rectangle over the candidate's tile if the call shows several people."
                     : "Sharing without audio (tick 'Share tab audio' to include it). Drag a rectangle over the candidate's tile."),
      withAudio ? "" : "warn");
  ticker.postMessage(Math.round(1000 / FPS));
});

stopBtn.addEventListener("click", () => stop());

// Picking the candidate's tile: drag a rectangle on the preview; coordinates are kept as
// fractions of the picture, so they hold whatever size the preview is shown at.
let dragFrom = null;
function point(event) {
  const box = overlay.getBoundingClientRect();
  return {x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
          y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height))};
}
function drawCrop(r) {
  overlay.width = overlay.clientWidth; overlay.height = overlay.clientHeight;
  const g = overlay.getContext("2d"), w = overlay.width, h = overlay.height;
  g.clearRect(0, 0, w, h);
  if (!r) return;
  g.fillStyle = "rgba(0, 0, 0, 0.45)";
  g.fillRect(0, 0, w, h);
  g.clearRect(r.x * w, r.y * h, r.w * w, r.h * h);
  g.strokeStyle = "#ffb300"; g.lineWidth = 3;
  g.strokeRect(r.x * w, r.y * h, r.w * w, r.h * h);
  g.fillStyle = "#ffb300"; g.font = "bold 14px system-ui, sans-serif";
  g.fillText("candidate", r.x * w + 6, r.y * h + 18);
}
function span(a, b) {
  return {x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y)};
}
if (mode === "screen") {
  overlay.addEventListener("pointerdown", (event) => { dragFrom = point(event); overlay.setPointerCapture(event.pointerId); });
  overlay.addEventListener("pointermove", (event) => { if (dragFrom) drawCrop(span(dragFrom, point(event))); });
  overlay.addEventListener("pointerup", (event) => {
    if (!dragFrom) return;
    const r = span(dragFrom, point(event));
    dragFrom = null;
    if (r.w < 0.03 || r.h < 0.03) { drawCrop(crop); return; }  // a click, not a rectangle
    crop = r;
    drawCrop(crop);
    wholeBtn.hidden = false;
    element.dataset.crop = [r.x, r.y, r.w, r.h].map((v) => v.toFixed(3)).join(",");
  });
  wholeBtn.addEventListener("click", () => { crop = null; drawCrop(null); wholeBtn.hidden = true; delete element.dataset.crop; });
}

if (mode === "camera" && !session) {
  startBtn.disabled = true;
  say("Open this page with the verification link your interviewer sent you.", "error");
}
