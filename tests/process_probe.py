"""Run a command, wait until it says it is ready, and report what the kernel says about it.

Used by tests/test_process_hygiene.py as ``python tests/process_probe.py READY_TEXT CMD...``;
prints one JSON object: the ``Max core file size`` limits from ``/proc/<pid>/limits`` and
whether ``/proc/<pid>/mem`` could be opened.

Why opening ``mem`` tells whether a process is dumpable: the kernel lets a process with the
same credentials open another's ``mem`` only if the target is dumpable, unless the opener has
CAP_SYS_PTRACE. So this probe must run without that capability (the test drops it from the
bounding set before starting the probe when it runs as root; the command inherits the same
set, so the two have equal credentials). The probe is the command's parent, which keeps Yama's
``ptrace_scope=1`` (descendants only) out of the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading


def _core_limits(pid: int) -> list[str]:
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        for line in limits:
            if line.startswith("Max core file size"):
                return line.split()[4:6]
    raise AssertionError("no core file size in /proc/<pid>/limits")


def _mem_opens(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/mem", "rb"):
            return True
    except PermissionError:
        return False


def main(ready: str, command: list[str]) -> int:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    seen: list[str] = []
    try:
        for line in process.stdout:
            seen.append(line)
            if ready in line:
                break
        else:
            print(json.dumps({"error": "exited before ready", "output": seen[-20:]}))
            return 1
        # Keep draining its output so it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
        report = {"core": _core_limits(process.pid), "mem_opens": _mem_opens(process.pid)}
        print(json.dumps(report))
        return 0
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
