"""Benchmark: XAdES enveloped signing, signxml vs templated, and verification; 1 to 1,000 lines.

Both signers run interleaved in the same process (round after round), and each
figure is the median CPU time (``time.process_time``) per operation over the
rounds, so a busy machine hurts both alike. Run: ``.venv/bin/python bench/sign.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import invoice_with_lines  # noqa: E402
from schemas import ubl  # noqa: E402
from signing import generate_dev_key, sign, verify  # noqa: E402
from signing.xades import sign_with_signxml  # noqa: E402


def cpu_ms(operation: Callable[[], object], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        operation()
    return (time.process_time() - started) / repeat * 1000


if __name__ == "__main__":
    keys = {
        "RSA-3072": generate_dev_key(algorithm="RSA"),
        "ECDSA-P256": generate_dev_key(algorithm="ECDSA"),
    }
    print("median CPU ms per operation (interleaved rounds)")
    for lines in (1, 10, 100, 1000):
        document = ubl.render(invoice_with_lines(lines))
        repeat, rounds = {1: (20, 9), 10: (20, 9), 100: (5, 7), 1000: (1, 5)}[lines]
        for name, key in keys.items():
            sign(document, key)  # the template is built once per key and policy
            signed = sign(document, key)
            before, after, checking = [], [], []
            for _ in range(rounds):
                before.append(cpu_ms(lambda k=key, d=document: sign_with_signxml(d, k), repeat))
                after.append(cpu_ms(lambda k=key, d=document: sign(d, k), repeat))
                checking.append(
                    cpu_ms(lambda k=key, s=signed: verify(s, trusted=[k.certificate]), repeat)
                )
            b, a, v = (statistics.median(x) for x in (before, after, checking))
            print(
                f"{lines:5d} lines {name:10s}: sign signxml {b:6.2f} ms, templated {a:6.2f} ms "
                f"({b / a:4.1f}x), verify {v:6.2f} ms"
            )
