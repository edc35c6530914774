// Helios browser client: plays the shared view over WebRTC (MJPEG if WebRTC does not connect)
// and sends pointer and wheel input over the interaction socket.
import { PROTOCOL_VERSION, makeMessage } from "./protocol.js";

const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const forcedTransport = params.get("transport");            // "webrtc" | "mjpeg" | null
const webrtcTimeoutMs = 1000 * Number(params.get("webrtc_timeout_s") || 5);
const base = new URL(".", location.href);

const video = document.getElementById("video");
const image = document.getElementById("mjpeg");
const statusLine = document.getElementById("status");
const titleLine = document.getElementById("title");
const messageLine = document.getElementById("message");

// State the tests and probes read.
const state = window.__helios = {transport: null, hello: null, errors: [], messagesSent: 0, fallbackReason: null};

function endpoint(path, scheme) {
  const url = new URL(path, base);
  url.searchParams.set("token", token);
  if (scheme) url.protocol = scheme;
  return url.toString();
}

function setStatus(text) { statusLine.textContent = text; }

// ---- interaction socket -------------------------------------------------------------------------
let socket = null;
function connectSocket() {
  socket = new WebSocket(endpoint("ws", location.protocol === "https:" ? "wss:" : "ws:"));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "hello") {
      state.hello = message;
      if (message.protocol_version !== PROTOCOL_VERSION) {
        state.errors.push(`server speaks protocol ${message.protocol_version}, this page ${PROTOCOL_VERSION}`);
      }
      const view = message.view || {};
      titleLine.textContent = `${view.title || ""} · ${view.node_count} nodes · ${view.edge_count} edges`;
    } else if (message.type === "error") {
      state.errors.push(message.message);
      console.warn("helios:", message.message);
    }
  };
  socket.onclose = () => { setTimeout(connectSocket, 1000); };
}
function send(type, fields) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(makeMessage(type, fields));
  state.messagesSent++;
}

// ---- video transports ---------------------------------------------------------------------------
function showMjpeg(reason) {
  if (state.transport === "mjpeg") return;
  state.transport = "mjpeg";
  state.fallbackReason = reason;
  video.hidden = true;
  if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
  image.src = endpoint("mjpeg");
  image.hidden = false;
  setStatus(`MJPEG${reason ? " (" + reason + ")" : ""}`);
}

async function waitForIceGathering(peer, timeoutMs) {
  if (peer.iceGatheringState === "complete") return;
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    peer.addEventListener("icegatheringstatechange", () => {
      if (peer.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
    });
  });
}

async function startWebRTC() {
  if (typeof RTCPeerConnection === "undefined") throw new Error("this browser has no WebRTC");
  const peer = new RTCPeerConnection({iceServers: []});       // no external STUN: host candidates only
  state.peer = peer;
  peer.addTransceiver("video", {direction: "recvonly"});
  peer.ontrack = (event) => { video.srcObject = event.streams[0] || new MediaStream([event.track]); };
  peer.onconnectionstatechange = () => {
    if (peer.connectionState === "failed" && state.transport !== "mjpeg") showMjpeg("WebRTC failed");
  };
  await peer.setLocalDescription(await peer.createOffer());
  await waitForIceGathering(peer, 2000);
  const response = await fetch(endpoint("offer"), {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({sdp: peer.localDescription.sdp, type: peer.localDescription.type}),
  });
  if (!response.ok) throw new Error(`offer refused: ${response.status} ${await response.text()}`);
  await peer.setRemoteDescription(await response.json());
}

function firstVideoFrame() {
  return new Promise((resolve) => {
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => resolve());
    else video.addEventListener("playing", () => resolve(), {once: true});
  });
}

async function startVideo() {
  if (forcedTransport === "mjpeg") { showMjpeg("asked for"); return; }
  try {
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no WebRTC video within ${webrtcTimeoutMs / 1000} s`)), webrtcTimeoutMs));
    state.transport = "webrtc-connecting";
    video.hidden = false;
    await Promise.race([startWebRTC().then(firstVideoFrame), timeout]);
    if (state.transport === "mjpeg") return;
    state.transport = "webrtc";
    setStatus("WebRTC");
  } catch (error) {
    console.warn("helios: falling back to MJPEG:", error.message);
    if (state.peer) state.peer.close();
    showMjpeg(error.message);
  }
}

// ---- input --------------------------------------------------------------------------------------
const BUTTONS = ["left", "middle", "right"];
function activeMedia() { return state.transport === "mjpeg" ? image : video; }
function normalised(event) {
  const box = activeMedia().getBoundingClientRect();
  const clamp = (value) => Math.min(1, Math.max(0, value));
  return {x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height)};
}
let pendingMove = null;
function pointer(action, event) {
  send("pointer", {action, button: BUTTONS[event.button] || "left", ...normalised(event),
                   shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey});
}
for (const element of [video, image]) {
  element.addEventListener("contextmenu", (event) => event.preventDefault());
  element.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    element.setPointerCapture(event.pointerId);
    pointer("down", event);
  });
  element.addEventListener("pointermove", (event) => {
    if (!element.hasPointerCapture(event.pointerId)) return;
    if (pendingMove === null) {
      requestAnimationFrame(() => { if (pendingMove !== null) pointer("move", pendingMove); pendingMove = null; });
    }
    pendingMove = event;                                      // coalesce to one move per animation frame
  });
  element.addEventListener("pointerup", (event) => {
    if (pendingMove !== null) { pointer("move", pendingMove); pendingMove = null; }
    pointer("up", event);
  });
  element.addEventListener("wheel", (event) => {
    event.preventDefault();
    const scale = event.deltaMode === 1 ? 40 : event.deltaMode === 2 ? 800 : 1;
    send("wheel", {delta_y: event.deltaY * scale, ...normalised(event)});
  }, {passive: false});
  element.addEventListener("dblclick", () => send("reset_camera", {}));
}
image.addEventListener("error", () => { messageLine.textContent = "the stream stopped; reload to reconnect"; });

connectSocket();
startVideo();
