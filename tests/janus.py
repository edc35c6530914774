"""A real Janus gateway (Debian's ``janus``) on loopback for tests and benchmarks: only its HTTP
transport and VideoRoom plugin, a minimal configuration written to a temporary folder, a free port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Self

JANUS_ROOM = 4242
LIBRARY_FOLDERS = [Path("/usr/lib/x86_64-linux-gnu/janus"), Path("/usr/lib/aarch64-linux-gnu/janus"),
                   Path("/usr/lib/janus")]


def _free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JanusServer:
    """``janus`` with the HTTP API on ``127.0.0.1:port/janus``; stopped (and its files removed) on exit."""

    def __init__(self, timeout_s: float = 15.0, port: int = 0) -> None:
        binary = shutil.which("janus")
        library = next((folder for folder in LIBRARY_FOLDERS if (folder / "plugins").is_dir()), None)
        if binary is None or library is None:
            raise AssertionError("janus is missing: install Debian's janus (.ci/setup --test does)")
        self.folder = Path(tempfile.mkdtemp(prefix="helios-janus-"))
        self.port = port or _free_tcp_port()
        self.api_url = f"http://127.0.0.1:{self.port}/janus"
        for kind, module in (("plugins", "libjanus_videoroom.so"), ("transports", "libjanus_http.so")):
            (self.folder / kind).mkdir()
            os.symlink(library / kind / module, self.folder / kind / module)  # only what the tests use
        configs = self.folder / "configs"
        configs.mkdir()
        (configs / "janus.jcfg").write_text(
            "general: {\n"
            f'  configs_folder = "{configs}"\n  plugins_folder = "{self.folder / "plugins"}"\n'
            f'  transports_folder = "{self.folder / "transports"}"\n'
            '  log_to_stdout = true\n  debug_level = 3\n  session_timeout = 60\n}\n'
            "media: {\n  rtp_port_range = \"40000-40999\"\n}\n"
            "nat: {\n  ice_lite = false\n  ice_tcp = false\n  ignore_mdns = true\n}\n"
        )
        (configs / "janus.transport.http.jcfg").write_text(
            "general: {\n  json = \"compact\"\n  base_path = \"/janus\"\n  http = true\n"
            f'  port = {self.port}\n  ip = "127.0.0.1"\n  https = false\n}}\n'
            "admin: {\n  admin_http = false\n}\ncors: {\n}\n"
        )
        (configs / "janus.plugin.videoroom.jcfg").write_text("general: {\n}\n")
        self.log = (self.folder / "janus.log").open("w")
        self.process = subprocess.Popen([binary, "-F", str(configs), "-C", str(configs / "janus.jcfg")],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.info()
                return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise AssertionError("janus did not start:\n" + self.output())

    def info(self) -> dict:
        with urllib.request.urlopen(f"{self.api_url}/info", timeout=2) as reply:
            return json.load(reply)

    def _post(self, url: str, body: dict) -> dict:
        request = urllib.request.Request(url, data=json.dumps({**body, "transaction": "test"}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as reply:
            return json.load(reply)

    def room_request(self, body: dict) -> dict:
        """A synchronous VideoRoom request as any client of the API may send it; the plugin's answer."""
        session = self._post(self.api_url, {"janus": "create"})["data"]["id"]
        handle = self._post(f"{self.api_url}/{session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        answer = self._post(f"{self.api_url}/{session}/{handle['data']['id']}", {"janus": "message", "body": body})
        self._post(f"{self.api_url}/{session}", {"janus": "destroy"})
        return answer["plugindata"]["data"]

    def participants(self, room: int) -> list[dict]:
        """The publishers of ``room`` (the VideoRoom's ``listparticipants``)."""
        return self.room_request({"request": "listparticipants", "room": room}).get("participants", [])

    def output(self) -> str:
        self.log.flush()
        return (self.folder / "janus.log").read_text(errors="replace")

    def kill(self) -> None:
        """Janus dies at once (SIGKILL), as a crashed or unplugged SFU would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
