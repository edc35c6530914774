"""Shared test configuration: where the real graph files live, and a real coturn for the TURN tests."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def state_directory(tmp_path_factory) -> Path:
    """Autosaved views go to a folder of the test run (also for the helios processes tests start), never to
    the user's own state directory."""
    folder = tmp_path_factory.mktemp("helios-state")
    previous = os.environ.get("HELIOS_STATE_DIR")
    os.environ["HELIOS_STATE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("HELIOS_STATE_DIR", None)
    else:
        os.environ["HELIOS_STATE_DIR"] = previous


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Return the directory of real graph files; fail (never skip) when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data directory {SHARED_DATA} is missing; the real-file tests need it")
    return SHARED_DATA


TURN_USER, TURN_PASSWORD = "helios", "turn-secret"
TURN_SECRET = "coturn-static-auth-secret"


def _free_port(kind=socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _machine_address() -> str:
    """This machine's address on its default route (no packet is sent), or loopback without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _run_coturn(tmp_path: Path, authentication: list[str]):
    """coturn on loopback with the given authentication options, relaying from the machine's own address;
    yields its port, then stops it (and frees the port)."""
    turnserver = shutil.which("turnserver")
    if turnserver is None:
        raise AssertionError("turnserver is missing: install Debian's coturn (.ci/setup --test does)")
    port = _free_port()
    process = subprocess.Popen(
        [turnserver, "-n", "--listening-ip=127.0.0.1", f"--relay-ip={_machine_address()}", f"--listening-port={port}",
         "--min-port=49160", "--max-port=49260", *authentication,
         "--realm=helios.test", "--fingerprint", "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
         "--no-multicast-peers", f"--pidfile={tmp_path / 'turn.pid'}", "--log-file=stdout", "--simple-log"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError("coturn did not start:\n" + process.stdout.read())
    yield port
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def coturn(tmp_path):
    """coturn listening on loopback with one long-term-credential user, relaying from the machine's own
    address (as a TURN server's public one: Janus, like libnice, ignores loopback candidates); stopped
    (and its port freed) after."""
    yield from _run_coturn(tmp_path, ["--lt-cred-mech", f"--user={TURN_USER}:{TURN_PASSWORD}"])


@pytest.fixture
def coturn_with_secret(tmp_path):
    """coturn as :func:`coturn`, but taking time-limited credentials minted from :data:`TURN_SECRET` (the
    TURN REST API scheme) instead of a static user."""
    yield from _run_coturn(tmp_path, ["--use-auth-secret", f"--static-auth-secret={TURN_SECRET}"])
