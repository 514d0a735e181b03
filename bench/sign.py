"""Benchmark: XAdES sign and verify per second for 1-, 100- and 1,000-line invoices, RSA and ECDSA.

Run: ``.venv/bin/python bench/sign.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import invoice_with_lines  # noqa: E402
from schemas import ubl  # noqa: E402
from signing import generate_dev_key, sign, verify  # noqa: E402

if __name__ == "__main__":
    keys = {
        "RSA-3072": generate_dev_key(algorithm="RSA"),
        "ECDSA-P256": generate_dev_key(algorithm="ECDSA"),
    }
    for lines in (1, 100, 1000):
        document = ubl.render(invoice_with_lines(lines))
        for name, key in keys.items():
            rounds = {1: 40, 100: 20, 1000: 5}[lines]
            started = time.perf_counter()
            for _ in range(rounds):
                signed = sign(document, key)
            signing = (time.perf_counter() - started) / rounds
            started = time.perf_counter()
            for _ in range(rounds):
                verify(signed, trusted=[key.certificate])
            verifying = (time.perf_counter() - started) / rounds
            print(
                f"{lines:5d} lines {name:10s}: sign {1 / signing:7.1f}/s ({signing * 1000:6.1f} ms), "
                f"verify {1 / verifying:7.1f}/s ({verifying * 1000:6.1f} ms)"
            )
