"""Request-body limit (issue 11, item 4): a server's memory while it refuses a 300 MB body.

Starts a real ``gridlink serve`` (SQLite, no worker) and sends unauthenticated
``POST /connect/api/sessions`` bodies of 300 MB over a raw socket: once with a Content-Length,
once chunked. For each it prints the answer, how many bytes the client got onto the socket
before the server answered and closed, and the server's resident memory (VmRSS, VmHWM from
/proc) before and after. Asserts nothing.

    .venv/bin/python bench/body_limit.py [--megabytes 300]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRIDLINK = ROOT / ".venv" / "bin" / "gridlink"
CHUNK = 64 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


@contextlib.contextmanager
def server(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    env.update(GRIDLINK_DATA_DIR=str(data_dir), GRIDLINK_LOG_LEVEL="warning", GRIDLINK_DEMO="false")
    command = [str(GRIDLINK), "serve", "--port", str(port), "--no-worker"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gridlink serve did not start")
            time.sleep(0.1)
        time.sleep(0.5)  # let start-up allocations settle before the first reading
        yield process, port
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def send(port: int, size: int, *, chunked: bool) -> tuple[str, int]:
    """Send headers and then up to ``size`` body bytes until the server answers or closes;
    returns (status line, body bytes the client managed to send)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        "POST /connect/api/sessions HTTP/1.1\r\nHost: bench\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    )
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head.encode())
        sock.settimeout(0.05)
        payload = b" " * CHUNK
        while sent < size:
            frame = f"{CHUNK:x}\r\n".encode() + payload + b"\r\n" if chunked else payload
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += CHUNK
            with contextlib.suppress(TimeoutError, BlockingIOError):
                if sock.recv(1, socket.MSG_PEEK):
                    break  # the server answered: stop sending
        sock.settimeout(10)
        answer = b""
        with contextlib.suppress(OSError):
            answer = sock.recv(4096)
    return answer.split(b"\r\n", 1)[0].decode(errors="replace"), sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=300)
    size = parser.parse_args().megabytes * 1000 * 1000
    print("| body | answer | sent before the answer | RSS before | RSS after | peak RSS |")
    print("|---|---|---|---|---|---|")
    for chunked in (False, True):
        with tempfile.TemporaryDirectory() as folder, server(Path(folder)) as (process, port):
            before = memory_kib(process.pid)
            status, sent = send(port, size, chunked=chunked)
            time.sleep(0.5)
            after = memory_kib(process.pid)
            kind = "chunked" if chunked else "Content-Length"
            print(
                f"| {size // 1_000_000} MB, {kind} | {status} | {sent / 1_000_000:.1f} MB "
                f"| {before['VmRSS'] / 1024:.0f} MiB | {after['VmRSS'] / 1024:.0f} MiB "
                f"| {after['VmHWM'] / 1024:.0f} MiB |"
            )


if __name__ == "__main__":
    main()
