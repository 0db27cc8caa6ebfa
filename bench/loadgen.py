"""Fallback load generator for bench/foundation.py when ``wrk`` is not installed.

Runs in its own process (never inside the server's): N keep-alive HTTP/1.1 connections on raw
asyncio streams (uvloop when available), each sending its next request as soon as the previous
answer is read, like wrk. The request shape comes from the same environment variables as
bench/wrk_request.lua (BENCH_METHOD, BENCH_PATH, BENCH_AUTH, BENCH_PREFIX); prints one JSON line
with the same fields.

    BENCH_METHOD=GET BENCH_PATH=/healthz python bench/loadgen.py --port 8080 --connections 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time


def _request(args: argparse.Namespace, connection: int, counter: int) -> bytes:
    lines = [f"{args.method} {args.path} HTTP/1.1", f"Host: 127.0.0.1:{args.port}"]
    if args.auth:
        lines.append(f"Authorization: {args.auth}")
    body = b""
    if args.method == "POST":
        body = json.dumps({"client_user_id": f"{args.prefix}-{connection}-{counter}"}).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    args: argparse.Namespace, index: int, start: float, end: float, out: dict[str, list[float]]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    counter = 0
    try:
        while True:
            counter += 1
            sent = time.perf_counter()
            if sent >= end:
                return
            writer.write(_request(args, index, counter))
            status = await _read_response(reader)
            done = time.perf_counter()
            if sent >= start:  # warm-up requests are not counted
                out["latency"].append(done - sent)
                if status >= 400:
                    out["status_errors"].append(status)
    finally:
        writer.close()


async def _run(args: argparse.Namespace) -> dict[str, int]:
    now = time.perf_counter()
    start, end = now + args.warmup, now + args.warmup + args.seconds
    out: dict[str, list[float]] = {"latency": [], "status_errors": []}
    results = await asyncio.gather(
        *(_connection(args, i, start, end, out) for i in range(args.connections)),
        return_exceptions=True,
    )
    latencies = sorted(out["latency"])

    def percentile(p: float) -> int:
        if not latencies:
            return 0
        return int(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e6)

    return {
        "requests": len(latencies),
        "duration_us": int(args.seconds * 1e6),
        "p50_us": percentile(50),
        "p99_us": percentile(99),
        "errors": sum(1 for r in results if isinstance(r, BaseException)),
        "status_errors": len(out["status_errors"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds not counted")
    args = parser.parse_args()
    args.method = os.environ.get("BENCH_METHOD", "GET")
    args.path = os.environ.get("BENCH_PATH", "/healthz")
    args.auth = os.environ.get("BENCH_AUTH", "")
    args.prefix = os.environ.get("BENCH_PREFIX", "bench")
    try:
        import uvloop
    except ImportError:
        print(json.dumps(asyncio.run(_run(args))))
        return
    print(json.dumps(uvloop.run(_run(args))))


if __name__ == "__main__":
    main()
