// The notebook widget (anywidget): shows a live Helios view in any notebook front end.
// Direct first: if this page can reach the kernel's view server, the view's own page plays in an
// iframe (WebRTC, MJPEG fallback). Otherwise the same page, self-contained (`page`), runs in an
// iframe whose socket and JPEG frames the kernel relays over this widget's comm channel.
const REACH_TIMEOUT_MS = 2000;

async function reachable(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REACH_TIMEOUT_MS);
  try {
    await fetch(new URL("favicon.ico", url), {mode: "no-cors", signal: controller.signal, cache: "no-store"});
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function render({ model, el }) {
  const channel = Math.random().toString(36).slice(2, 10);
  const frame = document.createElement("iframe");
  frame.title = "Helios live view";
  frame.allow = "autoplay; fullscreen";
  frame.style.cssText = `border:0;width:100%;max-width:${model.get("width")}px;height:${model.get("height")}px;display:block`;
  const note = document.createElement("div");
  note.className = "helios-stopped";
  note.style.cssText = "font:13px system-ui,sans-serif;color:#b35900;padding:4px 0";
  note.hidden = true;
  el.append(frame, note);
  el.dataset.heliosChannel = channel;
  let mode = null;                                  // "direct" | "bridged" | "stopped"

  const toPage = (message) => { if (frame.contentWindow) frame.contentWindow.postMessage(message, "*"); };
  function showStopped() {
    const reason = model.get("stopped");
    if (!reason) return;
    note.textContent = `Helios: this view has stopped (${reason}).`;
    note.hidden = false;
    el.dataset.heliosMode = mode = "stopped";
    toPage({helios: "stopped", reason});
  }
  model.on("change:stopped", showStopped);

  // The page's messages go to the kernel in one comm message per animation frame: each comm message
  // costs the kernel a busy/idle round and the notebook a status update.
  let outbox = [];
  const flush = () => {
    if (outbox.length) model.send({helios: "batch", channel, messages: outbox});
    outbox = [];
  };
  const fromPage = (event) => {
    if (event.source !== frame.contentWindow || !event.data || mode !== "bridged") return;
    const message = event.data;
    if (!["open", "send", "shown", "key"].includes(message.helios)) return;
    if (!outbox.length) requestAnimationFrame(flush);
    outbox.push(message);
  };
  window.addEventListener("message", fromPage);
  const fromKernel = (content, buffers) => {
    if (!content || content.channel !== channel) return;
    if (content.helios === "frame" || content.helios === "packet") {
      const view = buffers[0];
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      toPage(content.helios === "frame" ? {helios: "frame", sequence: content.sequence, jpeg: bytes}
                                        : {helios: "packet", sequence: content.sequence, key: content.key, data: bytes});
    } else {
      toPage(content);
    }
  };
  model.on("msg:custom", fromKernel);

  (async () => {
    if (model.get("stopped")) { showStopped(); return; }
    const direct = model.get("direct_url");
    if (direct && !model.get("bridge_only") && await reachable(direct)) {
      el.dataset.heliosMode = mode = "direct";
      frame.src = direct;
    } else {
      el.dataset.heliosMode = mode = "bridged";
      frame.srcdoc = model.get("page");
    }
    if (model.get("stopped")) showStopped();
  })();

  return () => {
    window.removeEventListener("message", fromPage);
    model.off("msg:custom", fromKernel);
    model.off("change:stopped", showStopped);
    if (mode === "bridged") model.send({helios: "close", channel});
  };
}

export default { render };
