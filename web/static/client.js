// Helios browser client: plays the shared view over WebRTC (MJPEG if WebRTC does not connect)
// and sends pointer and wheel input over the interaction socket. Inside a notebook widget that cannot
// reach the kernel's port ("bridged"), the widget relays the socket and JPEG frames over the kernel's
// comm channel by postMessage.
import { MAX_WHEEL_DELTA, PROTOCOL_VERSION, makeMessage } from "./protocol.js";
import { startEdges } from "./edges.js";
import { startExplore } from "./explore.js";
import { startHistory } from "./history.js";
import { startAnalysis } from "./analysis.js";
import { startPanels } from "./panels.js";

const params = new URLSearchParams(location.search);
const bridged = window.__heliosBridged === true;            // set by the notebook widget's page
const MAX_RECONNECTS = 30;                                   // then the page says the view is gone
const token = params.get("token") || "";
const forcedTransport = params.get("transport");            // "webrtc" | "mjpeg" | null
const webrtcTimeoutMs = 1000 * Number(params.get("webrtc_timeout_s") || 5);
const base = bridged ? null : new URL(".", location.href);   // a bridged page (srcdoc) has no address

const video = document.getElementById("video");
const image = document.getElementById("mjpeg");
const canvas = document.getElementById("frames");          // relayed H.264, decoded with WebCodecs
const statusLine = document.getElementById("status");
const titleLine = document.getElementById("title");
const messageLine = document.getElementById("message");
const hud = document.getElementById("hud");
const stage = document.getElementById("stage");
const nameInput = document.getElementById("viewer-name");
const colourInput = document.getElementById("viewer-colour");
const cursorLayer = document.getElementById("cursors");
const viewerList = document.getElementById("viewer-list");
const NAME_KEY = "helios.viewer.name", COLOUR_KEY = "helios.viewer.colour";   // remembered by this browser
// Storage may be refused (a third-party iframe, a private window): then nothing is remembered.
function remembered(key) { try { return localStorage.getItem(key); } catch { return null; } }
function remember(key, value) { try { localStorage.setItem(key, value); } catch { /* not remembered */ } }

// State the tests and probes read.
const state = window.__helios = {transport: null, hello: null, errors: [], messagesSent: 0, fallbackReason: null,
                                 selection: null, status: null, searchResults: null, pingMs: null,
                                 viewers: [], steering: null, stopped: null, framesShown: 0, videoBytes: 0};

const explore = startExplore({state, send, stage, activeMedia, editing, params});
const history = startHistory({state, send, editing});
const edges = startEdges({state, stage, showLabels: explore.showLabels});
const analysis = startAnalysis({state, send, stage, activeMedia, editing, params, endpoint, bridged});
const panels = startPanels({state, send, editing, selectionShown: () => analysis.selectionShown()});

function endpoint(path, scheme) {
  const url = new URL(path, base);
  url.searchParams.set("token", token);
  if (scheme) url.protocol = scheme;
  return url.toString();
}

function setStatus(text) { statusLine.textContent = text; }

// ---- interaction socket -------------------------------------------------------------------------
// The widget's relay of the socket: the same messages, carried by postMessage to the notebook page.
class BridgeSocket {
  constructor() {
    this.readyState = WebSocket.OPEN;
    this.onmessage = null;
    this.onclose = null;
    window.parent.postMessage({helios: "open", video: relayedCodec}, "*");
  }
  send(text) { window.parent.postMessage({helios: "send", text}, "*"); }
  receive(message) {
    if (message.helios === "message" && this.onmessage) this.onmessage({data: message.text});
    else if (message.helios === "close" && this.readyState === WebSocket.OPEN) {
      this.readyState = WebSocket.CLOSED;
      if (this.onclose) this.onclose();
    }
  }
}
if (bridged) {
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !event.data || typeof event.data.helios !== "string") return;
    if (event.data.jpeg || event.data.data) state.videoBytes += (event.data.jpeg || event.data.data).byteLength;
    if (event.data.helios === "frame") showFrame(event.data.jpeg, event.data.sequence);
    else if (event.data.helios === "packet") showPacket(event.data.data, event.data.key, event.data.sequence);
    else if (event.data.helios === "stopped") stop(event.data.reason);
    else if (socket instanceof BridgeSocket) socket.receive(event.data);
  });
}

let socket = null;
let reconnects = 0;
let lastMessageMs = performance.now();
if (bridged) {                          // a kernel that is busy, restarting or gone sends nothing
  setInterval(() => send("ping", {sent_ms: performance.now()}), 10000);   // the relay's sign of life
  setInterval(() => {
    if (state.stopped !== null) return;
    const quiet = performance.now() - lastMessageMs > 5000;
    state.kernelQuiet = quiet;
    if (quiet) messageLine.textContent = "the kernel is not answering (busy, restarting or stopped)";
    else if (messageLine.textContent.startsWith("the kernel is not answering")) messageLine.textContent = "";
  }, 1000);
}
function connectSocket() {
  socket = bridged ? new BridgeSocket() : new WebSocket(endpoint("ws", location.protocol === "https:" ? "wss:" : "ws:"));
  socket.onmessage = (event) => {
    reconnects = 0;
    lastMessageMs = performance.now();
    const message = JSON.parse(event.data);
    if (message.type === "hello") {
      state.hello = message;
      if (message.protocol_version !== PROTOCOL_VERSION) {
        state.errors.push(`server speaks protocol ${message.protocol_version}, this page ${PROTOCOL_VERSION}`);
      }
      showTitle(message.view);
      document.getElementById("role").textContent = message.role === "watcher" ? "watching" : "";
      nameInput.value = remembered(NAME_KEY) || message.name;
      colourInput.value = remembered(COLOUR_KEY) || message.colour;
      if (nameInput.value !== message.name || colourInput.value !== message.colour) identify();
      explore.onHello(message);
      analysis.onHello(message);
      reportStage();
      startVideo();                                             // the offer names this socket's viewer id
    } else if (message.type === "viewers") {
      const cursors = Object.fromEntries(state.viewers.map((viewer) => [viewer.id, viewer.cursor]));
      state.viewers = message.viewers.map((viewer) => ({...viewer, cursor: cursors[viewer.id] ?? viewer.cursor}));
      state.steering = message.steering;
      showViewers();
    } else if (message.type === "cursors") {
      for (const viewer of state.viewers) {
        if (viewer.id in message.cursors) viewer.cursor = message.cursors[viewer.id];
      }
      showCursors();
    } else if (message.type === "pong") {
      state.pingMs = performance.now() - message.sent_ms;
    } else if (message.type === "error") {
      state.errors.push(message.message);
      console.warn("helios:", message.message);
    } else if (message.type === "status") {
      state.status = message;
      const layout = message.layout || {};
      hud.textContent = `${message.fps} fps · layout ${layout.state} (${layout.iteration} it.` +
        `${layout.pinned ? ", " + layout.pinned + " pinned" : ""}) · ` +
        `${message.nodes} nodes · ${message.edges} edges · ${message.viewers} viewer${message.viewers === 1 ? "" : "s"}`;
    } else if (message.type === "selection") {
      state.selection = message.node;
      panels.showInfo(message.node);
      edges.onNodeSelection(message.node);
      analysis.onSelection(message.node);
    } else if (message.type === "search_results") {
      panels.onSearchResults(message);
    } else if (message.type === "view") {
      showTitle(message.view);
      explore.showTimeline(message.view);
      explore.showAttributes(message.view);                  // a measure computed is a new attribute
      analysis.onView(message.view);
    } else if (message.type === "labels") {
      explore.onLabels(message);
    } else if (message.type === "pointed_labels") {
      explore.onPointedLabels(message);
    } else if (message.type === "legend") {
      explore.onLegend(message);
    } else if (message.type === "filter") {
      explore.onFilter(message);
    } else if (message.type === "edge_hover") {
      edges.onEdgeHover(message);
    } else if (message.type === "edge_selection") {
      edges.onEdgeSelection(message);
    } else if (message.type === "edge_labels") {
      explore.onEdgeLabels(message);
    } else if (message.type === "edge_legend") {
      explore.onEdgeLegend(message);
    } else if (message.type === "history") {
      history.onHistory(message);
    } else if (message.type === "node_selection") {
      analysis.onNodeSelection(message);
    } else if (message.type === "statistics") {
      analysis.onStatistics(message);
    } else if (message.type === "measures") {
      analysis.onMeasures(message);
    } else if (message.type === "path") {
      analysis.onPath(message);
    } else if (message.type === "stopped") {
      stop(message.reason);
    } else if (message.type === "sfu") {
      state.hello.sfu = message.sfu;
      // The SFU went away under this page: watch helios's own stream instead.
      if (message.sfu === null && String(state.transport).startsWith("sfu")) fallBackFromSfu("the SFU went away");
      // It is back (a new publication, not the one that failed here): leave helios's own stream for it.
      else if (message.sfu && state.transport === "webrtc" && forcedTransport !== "webrtc" &&
               message.sfu.feed !== state.sfuFailedFeed) returnToSfu();
    }
  };
  socket.onclose = () => {
    // The server closes this page's WebRTC peer with its socket; a new socket gets a new peer.
    closeSfu();
    if (state.peer) { state.peer.close(); state.peer = null; }
    if (state.stopped !== null) return;
    if (state.transport !== "mjpeg") state.transport = null;
    reconnects += 1;
    if (reconnects > MAX_RECONNECTS) { stop("the view is no longer reachable; reload to try again"); return; }
    setStatus(`reconnecting (${reconnects})…`);
    setTimeout(connectSocket, Math.min(1000 * reconnects, 5000));
  };
}
// The view ended (stopped from Python, Ctrl-C, a kernel restart): say so, keep the last picture, stop retrying.
function stop(reason) {
  if (state.stopped !== null) return;
  state.stopped = reason || "stopped";
  closeSfu();
  if (state.peer) { state.peer.close(); state.peer = null; }
  if (state.transport === "mjpeg") image.removeAttribute("src");
  if (socket && !bridged) socket.close();
  document.body.classList.add("stopped");
  setStatus("stopped");
  messageLine.textContent = `this view has stopped: ${state.stopped}`;
}
function showTitle(view) {
  view = view || {};
  titleLine.textContent = `${view.title || ""} · ${view.node_count} nodes · ${view.edge_count} edges`;
}
function send(type, fields) {              // a stopped view hears nothing more from this page
  if (state.stopped !== null || !socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(makeMessage(type, fields));
  state.messagesSent++;
}

// ---- presence: who is here, their pointers, who has the camera ---------------------------------
function me() { return state.hello ? state.hello.viewer_id : null; }
function identify() {
  const name = nameInput.value.trim().slice(0, 40) || (state.hello && state.hello.name) || "viewer";
  send("identify", {name, colour: colourInput.value});
}
nameInput.addEventListener("change", () => { remember(NAME_KEY, nameInput.value.trim()); identify(); });
colourInput.addEventListener("change", () => { remember(COLOUR_KEY, colourInput.value); identify(); });

function showViewers() {
  viewerList.replaceChildren();
  for (const viewer of state.viewers) {
    const item = document.createElement("li");
    const dot = document.createElement("span");
    dot.className = "dot";
    item.style.setProperty("--colour", viewer.colour);
    const name = document.createElement("span");
    name.textContent = `${viewer.name}${viewer.id === me() ? " (you)" : ""}${viewer.role === "watcher" ? " · watching" : ""}`;
    if (viewer.id === state.steering) name.className = "steering";
    item.append(dot, name);
    viewerList.append(item);
  }
  const holder = state.viewers.find((viewer) => viewer.id === state.steering);
  const other = holder && holder.id !== me() && state.hello && state.hello.role === "editor";
  document.getElementById("camera").hidden = !other;
  if (other) document.getElementById("camera-holder").textContent = `${holder.name} has the camera · `;
  showCursors();
}
document.getElementById("take-camera").addEventListener("click", () => send("take_camera", {}));

function showCursors() {
  const box = activeMedia().getBoundingClientRect(), origin = stage.getBoundingClientRect();
  const shown = new Set();
  for (const viewer of state.viewers) {
    if (viewer.id === me() || !viewer.cursor) continue;
    shown.add(viewer.id);
    let marker = cursorLayer.querySelector(`[data-viewer="${viewer.id}"]`);
    if (!marker) {
      marker = document.createElement("div");
      marker.className = "cursor";
      marker.dataset.viewer = viewer.id;
      marker.append(document.createElement("span"));
      cursorLayer.append(marker);
    }
    marker.style.setProperty("--colour", viewer.colour);
    marker.firstChild.textContent = viewer.name;
    marker.style.left = `${box.left - origin.left + viewer.cursor.x * box.width}px`;
    marker.style.top = `${box.top - origin.top + viewer.cursor.y * box.height}px`;
  }
  for (const marker of [...cursorLayer.children]) {
    if (!shown.has(marker.dataset.viewer)) marker.remove();
  }
}

// The picture follows the steering editor's stage, in device pixels; every page scales it to fit.
function reportStage() {
  const ratio = window.devicePixelRatio || 1;
  const clamp = (value) => Math.max(64, Math.min(3840, Math.round(value * ratio)));
  send("resize", {width: clamp(stage.clientWidth), height: clamp(stage.clientHeight)});
}
function fitMedia() {
  for (const [element, width, height] of [[video, video.videoWidth, video.videoHeight],
                                          [image, image.naturalWidth, image.naturalHeight],
                                          [canvas, canvas.width, canvas.height]]) {
    if (!width || !height) continue;
    const scale = Math.min(stage.clientWidth / width, stage.clientHeight / height);
    element.style.width = `${Math.floor(width * scale)}px`;
    element.style.height = `${Math.floor(height * scale)}px`;
  }
  showCursors();
  explore.showLabels();
}
// Any change of the stage's size (the window, the header's layout settling) is reported once it rests.
let resizeTimer = null;
new ResizeObserver(() => {
  fitMedia();
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(reportStage, 150);
}).observe(stage);
video.addEventListener("resize", fitMedia);
image.addEventListener("load", fitMedia);

document.getElementById("screenshot").addEventListener("click", (event) => {
  event.currentTarget.href = endpoint("screenshot.png");
});
document.getElementById("save-view").addEventListener("click", (event) => {
  event.currentTarget.href = endpoint("session.json");
});
document.getElementById("save-page").addEventListener("click", (event) => {
  event.currentTarget.href = endpoint("snapshot.html");
});

// ---- video transports ---------------------------------------------------------------------------
// Bridged: each JPEG the widget relays replaces the last; the widget sends the next once this one shows.
let frameUrl = null;
function showFrame(jpeg, sequence) {
  if (state.stopped !== null) return;
  const url = URL.createObjectURL(new Blob([jpeg], {type: "image/jpeg"}));
  const next = new Image();                                  // decoded off screen: the shown one never blanks
  next.onload = () => {
    image.src = url;
    if (frameUrl) URL.revokeObjectURL(frameUrl);
    frameUrl = url;
    state.framesShown++;
    window.parent.postMessage({helios: "shown", sequence}, "*");
  };
  next.onerror = () => { URL.revokeObjectURL(url); window.parent.postMessage({helios: "shown", sequence}, "*"); };
  next.src = url;
}
// Relayed H.264 (where WebCodecs decodes it): one decoder; after an error it waits for a key frame.
let decoder = null;
let decoderWantsKey = true;
function showPacket(data, key, sequence) {
  if (state.stopped !== null) return;
  if (decoder === null || decoder.state === "closed") {
    decoder = new VideoDecoder({
      output: (videoFrame) => {
        if (canvas.width !== videoFrame.displayWidth || canvas.height !== videoFrame.displayHeight) {
          canvas.width = videoFrame.displayWidth;
          canvas.height = videoFrame.displayHeight;
          fitMedia();
        }
        canvas.getContext("2d").drawImage(videoFrame, 0, 0);
        videoFrame.close();
        state.framesShown++;
        window.parent.postMessage({helios: "shown", sequence: Number(videoFrame.timestamp)}, "*");
      },
      error: (error) => {
        console.warn("helios: H.264 decoding failed:", error.message);
        decoderWantsKey = true;
        window.parent.postMessage({helios: "key"}, "*");
      },
    });
    decoder.configure({codec: H264_CODEC, optimizeForLatency: true});
    decoderWantsKey = true;
  }
  if (decoderWantsKey && !key) { window.parent.postMessage({helios: "shown", sequence}, "*"); return; }
  decoderWantsKey = false;
  decoder.decode(new EncodedVideoChunk({type: key ? "key" : "delta", timestamp: sequence, data}));
}
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
  // Only the STUN/TURN servers helios was given (none: host candidates only, no one outside is contacted);
  // ?ice_transport_policy=relay uses relayed candidates only, as a browser behind a strict NAT must.
  const peer = new RTCPeerConnection({iceServers: state.hello.ice_servers || [],
                                      iceTransportPolicy: params.get("ice_transport_policy") === "relay" ? "relay" : "all"});
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
    body: JSON.stringify({sdp: peer.localDescription.sdp, type: peer.localDescription.type,
                          viewer_id: state.hello.viewer_id}),
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
  if (state.transport !== null) return;                     // playing, connecting, or on MJPEG already
  if (bridged) {
    state.transport = "comm";
    (relayedCodec === "h264" ? canvas : image).hidden = false;
    setStatus("kernel comm");
    return;
  }
  if (forcedTransport === "mjpeg") { showMjpeg("asked for"); return; }
  // Through the SFU when helios publishes to one (and ?transport=webrtc does not ask for helios's own
  // stream); then helios's own WebRTC stream; then MJPEG.
  const sfu = state.hello.sfu;
  if (sfu && forcedTransport !== "webrtc") {
    try {
      await withinTimeout(startSfu(sfu).then(firstVideoFrame), "no video through the SFU");
      if (state.transport !== "sfu-connecting") return;       // fell back meanwhile
      state.transport = "sfu";
      setStatus("WebRTC via SFU");
      return;
    } catch (error) {
      console.warn("helios: the SFU did not work; using helios's own stream:", error.message);
      state.sfuError = error.message;
      state.sfuFailedFeed = sfu.feed;
      closeSfu();
      state.transport = null;
    }
  }
  try {
    state.transport = "webrtc-connecting";
    video.hidden = false;
    await withinTimeout(startWebRTC().then(firstVideoFrame), "no WebRTC video");
    if (state.transport === "mjpeg") return;
    state.transport = "webrtc";
    setStatus("WebRTC");
  } catch (error) {
    console.warn("helios: falling back to MJPEG:", error.message);
    if (state.peer) state.peer.close();
    showMjpeg(error.message);
  }
}
function withinTimeout(promise, what) {
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${what} within ${webrtcTimeoutMs / 1000} s`)), webrtcTimeoutMs));
  return Promise.race([promise, timeout]);
}

// ---- watching through the SFU (Janus VideoRoom, its HTTP API) -------------------------------------
async function janus(url, body) {
  const response = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                     body: JSON.stringify({...body, transaction: Math.random().toString(36).slice(2)})});
  const answer = await response.json();
  const refused = answer.janus === "error" ? answer.error.reason : answer.plugindata?.data?.error;
  if (refused) throw new Error(`Janus refused ${body.body?.request || body.janus}: ${refused}`);
  return answer;
}
async function startSfu(sfu) {
  state.transport = "sfu-connecting";
  video.hidden = false;
  const session = {url: null, alive: true, events: []};
  state.sfuSession = session;
  const created = await janus(sfu.url, {janus: "create"});
  session.url = `${sfu.url}/${created.data.id}`;
  const attached = await janus(session.url, {janus: "attach", plugin: "janus.plugin.videoroom"});
  const handle = `${session.url}/${attached.data.id}`;
  const offered = pollSfu(session);                         // Janus's offer comes as an event
  await janus(handle, {janus: "message", body: {request: "join", ptype: "subscriber", room: sfu.room,
                                                streams: [{feed: sfu.feed}]}});
  const offer = await offered;
  const peer = new RTCPeerConnection({iceServers: state.hello.ice_servers || [],
                                      iceTransportPolicy: params.get("ice_transport_policy") === "relay" ? "relay" : "all"});
  state.peer = peer;
  session.peer = peer;
  peer.ontrack = (event) => { video.srcObject = event.streams[0] || new MediaStream([event.track]); };
  peer.onconnectionstatechange = () => {
    if (peer.connectionState === "failed" && state.transport === "sfu") fallBackFromSfu("the SFU connection failed");
  };
  await peer.setRemoteDescription(offer);
  await peer.setLocalDescription(await peer.createAnswer());
  await waitForIceGathering(peer, 2000);
  await janus(handle, {janus: "message", body: {request: "start"},
                       jsep: {type: "answer", sdp: peer.localDescription.sdp, trickle: false}});
}
// Long-poll the Janus session (this also keeps it alive); resolves with the first offer it brings.
function pollSfu(session) {
  return new Promise((resolve, reject) => {
    let offered = false;
    (async () => {
      while (session.alive) {
        let events;
        try {
          events = await (await fetch(`${session.url}?maxev=10&rid=${Date.now()}`)).json();
        } catch (error) {
          if (!offered) reject(new Error(`the SFU stopped answering: ${error.message}`));
          else if (session.alive && state.transport === "sfu") fallBackFromSfu("the SFU stopped answering");
          return;
        }
        for (const event of Array.isArray(events) ? events : [events]) {
          if (event.jsep && event.jsep.type === "offer" && !offered) { offered = true; resolve(event.jsep); }
          else if (event.janus === "trickle" && session.peer) {
            const candidate = event.candidate;
            session.peer.addIceCandidate(candidate.completed ? null : candidate).catch(() => {});
          } else if (event.janus === "hangup" && state.transport === "sfu") fallBackFromSfu("the SFU hung up");
        }
      }
    })();
  });
}
function closeSfu() {
  const session = state.sfuSession;
  if (!session) return;
  session.alive = false;
  if (session.peer) session.peer.close();
  if (session.url) fetch(session.url, {method: "POST", headers: {"Content-Type": "application/json"},
                                       body: JSON.stringify({janus: "destroy", transaction: "bye"})}).catch(() => {});
  if (state.peer === session.peer) state.peer = null;
  state.sfuSession = null;
}
function returnToSfu() {
  state.sfuReturns = (state.sfuReturns || 0) + 1;
  if (state.peer) { state.peer.close(); state.peer = null; }   // the server releases its peer with it
  state.transport = null;
  startVideo();
}
function fallBackFromSfu(reason) {
  if (!String(state.transport).startsWith("sfu")) return;
  console.warn("helios:", reason, "- watching helios's own stream");
  state.sfuError = reason;
  state.sfuFallbacks = (state.sfuFallbacks || 0) + 1;
  if (state.hello.sfu) state.sfuFailedFeed = state.hello.sfu.feed;
  closeSfu();
  state.transport = null;
  state.hello.sfu = null;
  startVideo();
}

// ---- input --------------------------------------------------------------------------------------
const BUTTONS = ["left", "middle", "right"];
function activeMedia() { return !canvas.hidden ? canvas : image.hidden ? video : image; }
function normalised(event) {
  const box = activeMedia().getBoundingClientRect();
  const clamp = (value) => Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
  return {x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height)};
}
let pendingMove = null;
let pendingWheel = null;
let lastHoverMs = 0;
let lastCursorMs = 0;
let pendingCursor = null;
// At most one cursor message per 50 ms, and the last position (or the leave) is always sent, in order.
function pointAt(cursor) {
  const due = pendingCursor === null;
  pendingCursor = cursor;
  if (!due) return;
  setTimeout(() => {
    lastCursorMs = performance.now();
    send("cursor", pendingCursor);
    pendingCursor = null;
  }, Math.max(0, lastCursorMs + 50 - performance.now()));
}
function editing() { return state.hello && state.hello.role === "editor"; }
function pointer(action, event) {
  if (!editing()) return;                                     // a watcher's page steers nothing
  if (action === "move") explore.hideLabelsForInput();
  send("pointer", {action, button: BUTTONS[event.button] || "left", ...normalised(event),
                   shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey});
}
for (const element of [video, image, canvas]) {
  element.addEventListener("contextmenu", (event) => event.preventDefault());
  element.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    element.setPointerCapture(event.pointerId);
    if (analysis.claimPointer(event)) return;                 // a box, a lasso or a shift-click: not a pointer
    pointer("down", event);
  });
  element.addEventListener("pointermove", (event) => {
    const now = performance.now();
    pointAt({...normalised(event), inside: true});
    if (analysis.claimed()) {                                 // a selection gesture; a 3D shift-drag pans after all
      const handedBack = analysis.pointerMove(event);
      if (handedBack) pointer("down", handedBack);
      return;
    }
    if (!element.hasPointerCapture(event.pointerId)) {
      // hover: at most 10 messages a second
      if (now - lastHoverMs > 100) { lastHoverMs = now; send("hover", normalised(event)); }
      return;
    }
    if (pendingMove === null) {
      requestAnimationFrame(() => { if (pendingMove !== null) pointer("move", pendingMove); pendingMove = null; });
    }
    pendingMove = event;                                      // coalesce to one move per animation frame
  });
  element.addEventListener("pointerup", (event) => {
    analysis.notePointerUp();
    if (analysis.claimed()) {
      const handedBack = analysis.pointerUp(event);
      if (handedBack) { pointer("down", handedBack); pointer("up", event); }
      return;
    }
    if (pendingMove !== null) { pointer("move", pendingMove); pendingMove = null; }
    pointer("up", event);
  });
  element.addEventListener("pointercancel", () => analysis.cancelGesture());
  element.addEventListener("pointerleave", (event) => pointAt({...normalised(event), inside: false}));
  element.addEventListener("wheel", (event) => {
    event.preventDefault();
    if (!editing()) return;
    const scale = event.deltaMode === 1 ? 40 : event.deltaMode === 2 ? 800 : 1;
    if (pendingWheel === null) {                              // one sum per animation frame, within range
      requestAnimationFrame(() => {
        const delta = Math.max(-MAX_WHEEL_DELTA, Math.min(MAX_WHEEL_DELTA, pendingWheel.delta_y));
        send("wheel", {delta_y: delta, x: pendingWheel.x, y: pendingWheel.y});
        pendingWheel = null;
      });
      pendingWheel = {delta_y: 0, ...normalised(event)};
    }
    pendingWheel.delta_y += event.deltaY * scale;
    explore.hideLabelsForInput();
    Object.assign(pendingWheel, normalised(event));
  }, {passive: false});
  element.addEventListener("dblclick", (event) => { if (editing()) send("double_click", normalised(event)); });
}
image.addEventListener("error", () => {
  if (state.stopped === null && !bridged) messageLine.textContent = "the stream stopped; reload to reconnect";
});
if (bridged) for (const id of ["screenshot", "save-view", "save-page"]) document.getElementById(id).hidden = true;

// A bridged page takes the relayed H.264 stream if WebCodecs decodes it here, JPEG frames otherwise.
const H264_CODEC = "avc1.42E01F";                            // Baseline, as the server's encoder makes it
let relayedCodec = "jpeg";
async function chooseRelayedCodec() {
  if (!bridged || typeof VideoDecoder === "undefined") return;
  try {
    const support = await VideoDecoder.isConfigSupported({codec: H264_CODEC, optimizeForLatency: true});
    if (support.supported) relayedCodec = "h264";
  } catch { /* JPEG */ }
}
state.relayedCodec = () => relayedCodec;
chooseRelayedCodec().then(connectSocket);                    // video starts once the server says hello
