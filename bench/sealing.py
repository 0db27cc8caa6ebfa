"""What sealing costs per value in each key mode (ADR 0012), without a database.

    .venv/bin/python bench/sealing.py [N]

master: AES-256-GCM under an HKDF-derived key (what ADR 0008 wraps data keys with).
api:    HPKE seal to the public key (an X25519 exchange per value; what an API process does).
worker: HPKE open with the private key.
"""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Callable

from gridlink.kit.keypairs import OpeningKeys
from gridlink.kit.keyring import Keyring

AAD = b"gridlink.vault.field.v1|cli_01|att_01|password|dk_01"


def _per_value(label: str, n: int, run: Callable[[], object]) -> None:
    started = time.perf_counter()
    for _ in range(n):
        run()
    micros = (time.perf_counter() - started) / n * 1e6
    print(f"{label:<28} {micros:8.1f} µs per value ({n} values)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    ring = Keyring.parse("kbench:" + base64.b64encode(b"\x01" * 32).decode())
    pairs = OpeningKeys.generate()
    sealing = pairs.sealing_key()
    secret = b"a utility password of some length"
    master_sealed = ring.seal(secret, context=b"bench", aad=AAD)
    hpke_sealed = sealing.seal(secret, context=b"bench", aad=AAD)
    _per_value("master seal (AES-GCM)", n, lambda: ring.seal(secret, context=b"bench", aad=AAD))
    _per_value("master open", n, lambda: ring.open_sealed(master_sealed, context=b"bench", aad=AAD))
    _per_value("api seal (HPKE X25519)", n, lambda: sealing.seal(secret, context=b"bench", aad=AAD))
    _per_value(
        "worker open (HPKE)", n, lambda: pairs.open_sealed(hpke_sealed, context=b"bench", aad=AAD)
    )
    print(f"envelope size: master {len(master_sealed)} bytes, hpke {len(hpke_sealed)} bytes")


if __name__ == "__main__":
    main()
