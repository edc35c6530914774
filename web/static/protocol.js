// Mirror of web/protocol.py (PROTOCOL_VERSION, MAX_WHEEL_DELTA, MESSAGE_FIELDS, SERVER_MESSAGE_FIELDS);
// tests/test_protocol.py checks they agree.
export const PROTOCOL_VERSION = 1;
export const MAX_WHEEL_DELTA = 2400;
export const MESSAGE_FIELDS = {
  "pointer": {"action": ["down", "move", "up"], "button": ["left", "middle", "right"],
              "x": "unit", "y": "unit", "shift": "bool", "ctrl": "bool"},
  "wheel": {"delta_y": "wheel", "x": "unit", "y": "unit"},
  "resize": {"width": "size", "height": "size"},
  "hover": {"x": "unit", "y": "unit"},
  "double_click": {"x": "unit", "y": "unit"},
  "reset_camera": {},
  "search": {"query": "text"},
  "focus": {"node": "index"},
  "ping": {"sent_ms": "number"},
  "identify": {"name": "text", "colour": "colour"},
  "cursor": {"x": "unit", "y": "unit", "inside": "bool"},
  "take_camera": {},
  "filter": {"filter": "object"},
  "legend": {"category": "index", "action": ["highlight", "hide", "isolate", "reset"]},
  "relayout": {"shown_only": "bool"},
  "history": {"action": ["undo", "redo", "jump"], "entry": "index"},
  "edge_legend": {"category": "index", "action": ["highlight", "hide", "isolate", "reset"]},
  "select_area": {"points": "points", "mode": ["replace", "add", "remove"]},
  "select_toggle": {"x": "unit", "y": "unit"},
  "select_range": {"measure": "text", "low": "number", "high": "number", "mode": ["replace", "add", "remove"]},
  "select_nodes": {"nodes": "indices", "mode": ["replace", "add", "remove"]},
  "selection_action": {"action": ["clear", "pin", "unpin", "hide", "keep_only", "layout_only"]},
  "path": {"source": "index", "target": "index", "all": "bool"},
  "path_clear": {},
  "measure": {"name": "text", "action": ["compute", "cancel"]}
};
export const SERVER_MESSAGE_FIELDS = {
  "hello": ["protocol_version", "transports", "viewer_id", "role", "name", "colour", "view", "ice_servers", "sfu"],
  "viewers": ["viewers", "steering"],
  "cursors": ["cursors"],
  "status": ["fps", "layout", "nodes", "edges", "viewers", "video"],
  "selection": ["node"],
  "search_results": ["query", "matches"],
  "pong": ["sent_ms"],
  "error": ["message"],
  "view": ["view"],
  "stopped": ["reason"],
  "sfu": ["sfu"],
  "labels": ["labels"],
  "pointed_labels": ["hover", "selection"],
  "legend": ["title", "entries", "highlighted", "hidden"],
  "filter": ["filter", "shown", "nodes", "shown_only"],
  "history": ["entries", "done"],
  "edge_hover": ["edge", "viewer_id"],
  "edge_selection": ["edge"],
  "edge_labels": ["labels"],
  "edge_legend": ["title", "entries", "highlighted", "hidden"],
  "node_selection": ["count", "nodes", "summary"],
  "statistics": ["statistics"],
  "measures": ["measures", "running"],
  "path": ["path"]
};

// Build a message of `type` from `fields`, refusing names the protocol does not define.
export function makeMessage(type, fields = {}) {
  const spec = MESSAGE_FIELDS[type];
  if (!spec) throw new Error(`unknown message type ${type}`);
  for (const name of Object.keys(fields)) {
    if (!(name in spec)) throw new Error(`${type} has no field ${name}`);
  }
  for (const name of Object.keys(spec)) {
    if (!(name in fields)) throw new Error(`${type}.${name} is missing`);
  }
  return JSON.stringify({type, ...fields});
}
