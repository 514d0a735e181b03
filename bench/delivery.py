"""Benchmark: Peppol AS4 between two gateways on loopback (test CAs, a local SMP); messages per second.

Three figures:
- AS4 send+receive, one sender thread: A looks up B in the SMP, builds, signs and
  encrypts a message; B verifies, decrypts, validates (Peppol BIS 3), archives,
  answers with a signed receipt; A verifies the receipt. Sequential round trips.
- the same with 4 sender threads (the machine has 2 cores shared with others).
- end to end: invoices submitted to A's API until each has ``delivery.delivered``
  in its timeline (queue, worker, AS4, receipt, ledger), in invoices per second.

Run: ``.venv/bin/python bench/delivery.py [messages]`` (default 40). Needs ../shared/artifacts.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "shared" / "artifacts"
os.environ.setdefault("EGW_ARTIFACTS_DIR", str(ARTIFACTS))

from tests.delivery.peppol_network import BUYER, SELLER, network, peppol_draft  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    if not ARTIFACTS.is_dir():
        print(f"the Peppol rule sets are not at {ARTIFACTS}; nothing measured")
        return
    with tempfile.TemporaryDirectory() as folder, network(Path(folder)) as net:
        with net.a.client() as client:
            created = client.post("/v1/invoices", json=peppol_draft("BENCH-0"), headers=net.a.erp)
            document = client.get(
                f"/v1/invoices/{created.json()['id']}/xml", headers=net.a.erp
            ).content
        point = net.a.app.state.delivery.peppol

        def one(index: int, tag: str) -> None:
            numbered = document.replace(b">BENCH-0<", f">BENCH-{tag}-{index}<".encode(), 1)
            point.send(
                numbered,
                sender=SELLER,
                recipient=BUYER,
                country="DE",
                instance_id=f"bench-{tag}-{index}",
                message_id=f"bench-{tag}-{index}@bench",
            )

        one(0, "warm")
        for threads in (1, 4):
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(lambda i, t=threads: one(i, f"t{t}"), range(count)))
            elapsed = time.perf_counter() - started
            print(
                f"AS4 send+receive, {threads} thread(s): {count} messages in {elapsed:.2f} s = "
                f"{count / elapsed:.1f} messages/s ({elapsed / count * 1000:.0f} ms per round trip)"
            )
        ids = []
        started = time.perf_counter()
        with net.a.client() as client:
            for index in range(count):
                response = client.post(
                    "/v1/invoices", json=peppol_draft(f"E2E-{index}"), headers=net.a.erp
                )
                ids.append(response.json()["id"])
            pending = set(ids)
            while pending:
                for invoice_id in list(pending):
                    events = client.get(
                        f"/v1/invoices/{invoice_id}/events", headers=net.a.erp
                    ).json()
                    if any(e["kind"] == "delivery.delivered" for e in events["events"]):
                        pending.discard(invoice_id)
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
        print(
            f"end to end (API submit -> queue -> AS4 -> receipt in the timeline): {count} invoices "
            f"in {elapsed:.2f} s = {count / elapsed:.1f} invoices/s"
        )


if __name__ == "__main__":
    main()
