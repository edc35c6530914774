// The view's shared history: a panel listing every editing action (who, when, what), Ctrl-Z / Ctrl-Shift-Z
// (or Ctrl-Y) to undo and redo for everyone, and a click on an entry to go back (or forward) to it. The
// server keeps the history and checks roles; a watcher sees the panel but cannot step it.
// client.js calls startHistory() once and hands it every "history" message.

export function startHistory({state, send, editing}) {
  const panel = document.getElementById("history");
  const list = document.getElementById("history-entries");
  const undoButton = document.getElementById("history-undo");
  const redoButton = document.getElementById("history-redo");
  const count = document.getElementById("history-count");
  state.history = {entries: [], done: 0};

  function step(action, entry = 0) {
    if (!editing()) return;
    send("history", {action, entry});
  }

  function timeText(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }

  function onHistory(message) {
    state.history = {entries: message.entries, done: message.done};
    panel.hidden = false;
    const doneIndex = message.entries.findIndex((entry) => entry.number === message.done);
    const canUndo = message.done > 0;
    const canRedo = message.entries.length > 0 && doneIndex < message.entries.length - 1;
    undoButton.disabled = !editing() || !canUndo;
    redoButton.disabled = !editing() || !canRedo;
    count.textContent = message.entries.length ? `(${message.entries.length})` : "";
    const items = [];
    const start = document.createElement("li");          // the state before every entry
    start.textContent = "the view as it started";
    start.dataset.entry = "0";
    start.className = message.done === 0 ? "current" : "";
    items.push(start);
    message.entries.forEach((entry, index) => {
      const item = document.createElement("li");
      item.dataset.entry = String(entry.number);
      item.className = index > doneIndex ? "undone" : entry.number === message.done ? "current" : "";
      const when = document.createElement("small");
      when.textContent = timeText(entry.when);
      item.append(`${entry.who}: ${entry.summary} `, when);
      items.push(item);
    });
    list.replaceChildren(...items.reverse());             // the newest first
    for (const item of list.children) {
      item.tabIndex = editing() ? 0 : -1;
      item.setAttribute("role", "button");
      item.setAttribute("aria-disabled", String(!editing()));
    }
  }

  list.addEventListener("click", (event) => {
    const item = event.target.closest("li");
    if (item) step("jump", Number(item.dataset.entry));
  });
  list.addEventListener("keydown", (event) => {
    const item = event.target.closest("li");
    if (item && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); step("jump", Number(item.dataset.entry)); }
  });
  undoButton.addEventListener("click", () => step("undo"));
  redoButton.addEventListener("click", () => step("redo"));
  // Ctrl-Z undoes, Ctrl-Shift-Z or Ctrl-Y redoes (Cmd on a Mac); not while typing in a field.
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) { event.preventDefault(); step("undo"); }
    else if ((key === "z" && event.shiftKey) || key === "y") { event.preventDefault(); step("redo"); }
  });
  return {onHistory};
}
