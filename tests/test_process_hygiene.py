"""Control 27: `gridlink serve` and `gridlink worker` write no core dumps and are not dumpable.

The real commands run as subprocesses; the kernel's view of them is read from /proc (see
tests/process_probe.py for why opening /proc/<pid>/mem tells dumpable from not)."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_MASTER_KEYS

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads Linux's /proc")

GRIDLINK = str(Path(sys.executable).parent / "gridlink")
PROBE = str(Path(__file__).parent / "process_probe.py")
PR_CAPBSET_DROP = 24
CAP_SYS_PTRACE = 19


def _probe_conditions() -> None:
    """In the probe's process, before exec (inherited by the command it starts): core dumps
    allowed as far as this user may (so a command that does not turn them off shows it), and,
    for root, every capability but CAP_SYS_PTRACE (which opens any process's memory, dumpable
    or not). Unprivileged users have no capability to drop."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if os.geteuid() == 0:
        hard = resource.RLIM_INFINITY
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")


def probe(ready: str, command: list[str], env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, PROBE, ready, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_probe_conditions,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GRIDLINK_DATA_DIR": str(tmp_path / "data"),
        "GRIDLINK_MASTER_KEYS": TEST_MASTER_KEYS,
        "GRIDLINK_LOG_LEVEL": "info",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_probe_sees_an_ordinary_process_as_dumpable(tmp_path: Path) -> None:
    """The control: without the hardening, the same probe opens the memory and sees the
    inherited core limit, so the assertions below can fail."""
    sleeper = [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(60)"]
    report = probe("ready", sleeper, _env(tmp_path))
    assert report["mem_opens"] is True
    if report["core"] == ["0", "0"]:
        pytest.skip("this user's hard core limit is 0: the core check below cannot fail here")
    assert report["core"] != ["0", "0"]


@pytest.mark.slow
def test_gridlink_serve_has_no_core_dumps_and_is_not_dumpable(tmp_path: Path) -> None:
    command = [GRIDLINK, "serve", "--port", str(_free_port()), "--no-worker"]
    report = probe("Gridlink is running at", command, _env(tmp_path))
    assert report == {"core": ["0", "0"], "mem_opens": False}


@pytest.mark.slow
def test_gridlink_worker_has_no_core_dumps_and_is_not_dumpable(tmp_path: Path) -> None:
    report = probe("worker started", [GRIDLINK, "worker"], _env(tmp_path))
    assert report == {"core": ["0", "0"], "mem_opens": False}
