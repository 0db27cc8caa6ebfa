"""Debian's nginx as a test-owned process, running the deployment guide's own server block.

The guide (docs/guides/deployment.md) holds one ```nginx block; :func:`guide_block` reads it and
:class:`Nginx` runs it with only what a test must change: the API processes' addresses, the
listening address and a self-signed certificate. So the guide cannot drift from what is tested.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.own_postgres import wait_for_port
from tests.processes import stop

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "guides" / "deployment.md"
PUBLIC_HOST = "gridlink.example"
UPSTREAM_SERVER = re.compile(r"^\s*server 10\.0\.0\.\d+:8080;\n", re.MULTILINE)


def guide_block() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    assert len(blocks) == 1, "the deployment guide must hold exactly one ```nginx block"
    return str(blocks[0])


def directive(block: str, name: str) -> str:
    """The value of a directive the block sets once at server level, e.g. proxy_read_timeout."""
    found = re.findall(rf"^\s*{name} ([^;]+);", block, re.MULTILINE)
    assert len(found) == 1, f"{name} appears {len(found)} times"
    return str(found[0])


def localized(block: str, *, upstreams: list[int], port: int, cert: Path, key: Path) -> str:
    """The guide's block on this machine: its two API servers become ours, it listens on
    ``port`` (TLS, as in the guide) and uses our certificate. Nothing else changes."""
    servers = "".join(f"    server 127.0.0.1:{upstream};\n" for upstream in upstreams)
    edited, count = UPSTREAM_SERVER.subn("", block)
    assert count == 2, "the guide's upstream should list two API processes"
    edited = edited.replace("upstream gridlink_api {\n", "upstream gridlink_api {\n" + servers)
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
        ("/etc/ssl/gridlink.example.pem", str(cert)),
        ("/etc/ssl/gridlink.example.key", str(key)),
    ):
        assert old in edited, old
        edited = edited.replace(old, new)
    return edited


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={PUBLIC_HOST}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


class Nginx:
    """``nginx -c <conf> -p <prefix> -g 'daemon off;'`` with ``http_body`` as its http block;
    pid, logs and temporary files in a folder of its own."""

    def __init__(self, http_body: str, ports: list[int]) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            pytest.skip("nginx is not installed (scripts/ensure-debian-tools installs it)")
        self.root = Path(tempfile.mkdtemp(prefix="gridlink-nginx-"))
        self.root.chmod(0o755)  # as root, nginx's workers run as nobody and need to get in
        conf = self.root / "nginx.conf"
        conf.write_text(
            f"pid {self.root}/nginx.pid;\n"
            f"error_log {self.root}/error.log warn;\n"
            "worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            f"    access_log {self.root}/access.log;\n"
            f"    client_body_temp_path {self.root}/body;\n"
            f"    proxy_temp_path {self.root}/proxy;\n"
            f"    fastcgi_temp_path {self.root}/fastcgi;\n"
            f"    uwsgi_temp_path {self.root}/uwsgi;\n"
            f"    scgi_temp_path {self.root}/scgi;\n"
            f"{http_body}\n"
            "}\n"
        )
        self.process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", str(self.root), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports:
            wait_for_port(port, "nginx", 20, self.process, self.log)

    def log(self) -> str:
        path = self.root / "error.log"
        return path.read_text() if path.exists() else ""

    def close(self) -> None:
        stop(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


def live_twin_plugin(folder: Path) -> str:
    """A PYTHONPATH under which ``gridlink`` processes find tests/attempts/live_twin.py's live
    utility as an installed connector plugin (an entry point, as a real package declares one):
    the per-address sign-in limit counts for live clients only."""
    dist = folder / "gridlink_live_twin-0.0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gridlink-live-twin\nVersion: 0.0.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[gridlink.connectors]\nlive_twin = tests.attempts.live_twin:LiveTwin\n"
    )
    root = Path(__file__).resolve().parents[1]
    return os.pathsep.join([str(folder), str(root)])
