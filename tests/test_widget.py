"""The notebook widget's kernel side, outside a notebook (a dummy comm): what a front end sends over
the comm channel is relayed to the view, and nothing a hostile front end sends breaks it."""

import json
import time

import networkx

import helios_app
from helios_app.jupyter import MAX_BATCH


def _wait(predicate, timeout_s=15.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_widget_relays_a_page_and_shrugs_off_malformed_messages():
    with helios_app.show(networkx.karate_club_graph(), bridge_only=True) as view:
        widget = view.widget
        sent: list = []
        widget.send = lambda content, buffers=None: sent.append((content, buffers))
        assert widget.bridge_only and "window.__heliosBridged = true" in widget.page
        handle = lambda content: widget._on_page_message(widget, content, [])
        handle({"helios": "batch", "channel": "c1", "messages": [{"helios": "open", "video": "h264"}]})
        assert _wait(lambda: any(c.get("helios") == "packet" and c["channel"] == "c1" for c, _ in sent))
        assert _wait(lambda: view.session.status()["viewers"] == 1)

        for hostile in [None, [], "x", {"helios": 5}, {"helios": "batch", "messages": "x"},
                        {"helios": "batch", "messages": [1, "a", None]}, {"helios": "send", "text": 5},
                        {"helios": "shown", "sequence": "a"}, {"helios": "open", "channel": {"a": 1}},
                        {"helios": "send", "channel": "c1", "text": "{not json"},
                        {"helios": "send", "channel": "nobody", "text": "{}"}]:
            handle(hostile)
        flood = [{"helios": "send", "text": json.dumps({"type": "ping", "sent_ms": index})} for index in range(5000)]
        handle({"helios": "batch", "channel": "c1", "messages": flood})
        time.sleep(1.0)
        pongs = [json.loads(c["text"]) for c, _ in sent if c.get("helios") == "message"
                 and json.loads(c["text"])["type"] == "pong"]
        assert 0 < len(pongs) <= MAX_BATCH, len(pongs)  # one batch handles at most MAX_BATCH messages
        errors = [json.loads(c["text"]) for c, _ in sent if c.get("helios") == "message"
                  and json.loads(c["text"])["type"] == "error"]
        assert errors, "the page's malformed message got an error, as from any viewer"
        # The view goes on: a fresh ping is answered, and frames keep coming.
        before = len(sent)
        handle({"helios": "send", "channel": "c1", "text": json.dumps({"type": "ping", "sent_ms": -1})})
        assert _wait(lambda: any(c.get("helios") == "message" and '"sent_ms": -1' in c["text"] for c, _ in sent))
        assert _wait(lambda: any(c.get("helios") == "packet" for c, _ in sent[before:]))
    assert view.widget.stopped == "stopped from Python"
