// The info panel (a node's id, degree and attributes) and the search box, for the live page and a
// snapshot alike: both send "search" and "focus" and answer "selection" and "search_results" messages
// (from the server, or from a snapshot's own view of its data).

const SEARCH_DELAY_MS = 150;                                 // typing pauses this long before a search is sent

export function startPanels({state, send, editing, selectionShown}) {
  const info = document.getElementById("info");
  const searchInput = document.getElementById("search-input");
  const searchResults = document.getElementById("search-results");
  let searchTimer = null;
  let pickWhenAnswered = null;                                // Enter pressed before the answer: the query it was for

  function showInfo(node) {
    info.hidden = !node && !selectionShown();                 // a multi-selection's summary shows there too
    if (!node) {
      document.getElementById("info-title").textContent = "";
      document.getElementById("info-fields").replaceChildren();
      return;
    }
    document.getElementById("info-title").textContent = node.label;
    const fields = document.getElementById("info-fields");
    fields.replaceChildren();
    const rows = [["id", node.id], ["degree", node.degree], ...Object.entries(node.attributes || {})];
    for (const [name, value] of rows) {
      const term = document.createElement("dt"), detail = document.createElement("dd");
      term.textContent = name;
      detail.textContent = value === null ? "—" : String(value);
      fields.append(term, detail);
    }
  }
  document.getElementById("info-close").addEventListener("click", () => { info.hidden = true; });

  function onSearchResults(message) {
    if (message.query !== searchInput.value) return;          // an answer to an older query
    state.searchResults = message.matches;
    state.searchQuery = message.query;
    searchResults.replaceChildren();
    for (const match of message.matches) {
      const item = document.createElement("li");
      item.textContent = match.label;
      const detail = document.createElement("small");
      detail.textContent = `degree ${match.degree}`;
      item.append(detail);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); focusNode(match); });
      searchResults.append(item);
    }
    searchResults.hidden = message.matches.length === 0;
    if (pickWhenAnswered === message.query) {
      pickWhenAnswered = null;
      if (message.matches.length) focusNode(message.matches[0]);
    }
  }
  function focusNode(match) {
    if (editing()) send("focus", {node: match.node});         // a flight moves everyone's camera
    searchInput.value = match.label;
    searchResults.hidden = true;
  }
  function search() {
    clearTimeout(searchTimer);
    searchTimer = null;
    send("search", {query: searchInput.value});
  }
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    pickWhenAnswered = null;
    if (!searchInput.value.trim()) { searchResults.hidden = true; return; }
    searchTimer = setTimeout(search, SEARCH_DELAY_MS);
  });
  searchInput.addEventListener("blur", () => setTimeout(() => { searchResults.hidden = true; }, 150));
  // Enter picks the best match: at once if the results shown answer what is typed, else when they come.
  document.getElementById("search").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!searchInput.value.trim()) return;
    if (state.searchQuery === searchInput.value && searchTimer === null) {
      if (state.searchResults && state.searchResults.length) focusNode(state.searchResults[0]);
      return;
    }
    pickWhenAnswered = searchInput.value;
    search();
  });

  return {showInfo, onSearchResults};
}
