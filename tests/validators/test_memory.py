"""Against a live server: hostile documents keep memory growth and the response bounded."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.api.conftest import start_server
from tests.validators.bombs import attribute_bomb, findings_bomb

RSS_GROWTH_LIMIT = 200 * 1024 * 1024
RESPONSE_LIMIT = 2 * 1024 * 1024


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for process {pid}")


@pytest.mark.slow
def test_bombs_keep_the_servers_peak_memory_and_response_bounded(tmp_path):
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc to read the server's peak RSS")
    server = start_server(tmp_path / "data")
    try:
        pid = server.process.pid
        with httpx2.Client(base_url=server.base_url, timeout=300) as client:
            headers = {
                "Authorization": f"Bearer {server.erp_key}",
                "Content-Type": "application/xml",
            }
            # Warm up: the rule sets are compiled and loaded once per process.
            warm = client.post(
                "/v1/validate?profile=en16931",
                content=findings_bomb(notes=1, attributes=1),
                headers=headers,
            )
            assert warm.status_code == 200, warm.text
            for name, document, status in (
                ("attribute bomb", attribute_bomb(), 400),
                ("findings bomb", findings_bomb(), 200),
            ):
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets the peak (VmHWM)
                before = _kib(pid, "VmRSS")
                response = client.post(
                    "/v1/validate?profile=en16931", content=document, headers=headers
                )
                growth = _kib(pid, "VmHWM") - before
                print(
                    f"\n{name}: {len(document):,} bytes in, {len(response.content):,} bytes out, "
                    f"peak RSS growth {growth / 2**20:.0f} MiB"
                )
                assert response.status_code == status, response.text[:300]
                assert len(response.content) < RESPONSE_LIMIT
                assert growth < RSS_GROWTH_LIMIT, f"{name}: {growth / 2**20:.0f} MiB"
                if status == 200:
                    assert response.json()["truncated"] > 0
                else:
                    assert response.json()["problems"][0]["rule"] == "xml.too-many-attributes"
    finally:
        server.stop()
