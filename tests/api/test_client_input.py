"""Issue 9 item 3: client input never causes a 5xx; the problem names the field (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import httpx2
import pytest

from tests.api.conftest import free_port
from tests.api.drafts import api_draft


def _problem(response, status=422):
    assert response.status_code == status, response.text[:400]
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def _fields(body):
    return {p["field"] for p in body["problems"]}


@pytest.mark.parametrize("character", ["\x07", "\x00", "\x1b", "\ufffe", "\x0b", "\ud800"])
@pytest.mark.parametrize(
    "path",
    [("seller", "name"), ("lines", 0, "name"), ("buyer", "address", "city"), ("number",)],
)
def test_control_characters_are_422_naming_the_field(shared_gateway, character, path):
    draft = api_draft(f"CTRL-{ord(character)}")
    target = draft
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "A" + character + "B"
    body = _problem(
        shared_gateway.client.post(
            "/v1/invoices",
            content=json.dumps(draft).encode(),
            headers={**shared_gateway.erp, "Content-Type": "application/json"},
        )
    )
    field = ".".join(str(p) for p in path)
    assert field in _fields(body)
    assert f"U+{ord(character):04X}" in json.dumps(body)
    assert (
        shared_gateway.client.get("/v1/invoices", headers=shared_gateway.erp).json()["data"] == []
    )


def test_tab_and_newline_stay_allowed(gateway):
    draft = api_draft("TAB-1", notes=["line one\nline two\tindented"])
    response = gateway.client.post("/v1/invoices", json=draft, headers=gateway.erp)
    assert response.status_code == 201, response.text[:300]


def test_control_character_in_a_query_or_path_parameter(shared_gateway):
    body = _problem(
        shared_gateway.client.get("/v1/invoices?number=A%00B", headers=shared_gateway.erp)
    )
    assert "query.number" in _fields(body)
    body = _problem(shared_gateway.client.get("/v1/invoices/A%00B", headers=shared_gateway.erp))
    assert "path.invoice_id" in _fields(body)


@pytest.mark.parametrize("quantity", ["1e999999999", "-1e999999999", 1e308, "1E+15"])
def test_huge_quantity_is_422(shared_gateway, quantity):
    draft = api_draft("HUGE-1")
    draft["lines"][0]["quantity"] = quantity
    body = _problem(
        shared_gateway.client.post("/v1/invoices", json=draft, headers=shared_gateway.erp)
    )
    assert "lines.0.quantity" in _fields(body)


def test_duplicate_json_keys_are_422(shared_gateway):
    raw = json.dumps(api_draft("DUP-1"))
    raw = raw.replace('"number": "DUP-1"', '"number": "DUP-1", "number": "DUP-2"')
    nested = raw.replace('"city": "Berlin"', '"city": "Berlin", "city": "Munich"')
    for content, field in ((raw, "number"), (nested, "seller.address.city")):
        body = _problem(
            shared_gateway.client.post(
                "/v1/invoices",
                content=content.encode(),
                headers={**shared_gateway.erp, "Content-Type": "application/json"},
            )
        )
        assert field in _fields(body), body
        assert any(p["rule"] == "duplicate_key" for p in body["problems"])
    # Other JSON bodies too.
    body = _problem(
        shared_gateway.client.post(
            "/v1/admin/keys",
            content=b'{"name": "a", "roles": ["erp"], "roles": ["admin"]}',
            headers={**shared_gateway.admin, "Content-Type": "application/json"},
        )
    )
    assert "roles" in _fields(body)


@pytest.mark.parametrize("expires_at", ["2030-01-01T00:00:00", "2030-01-01", "tomorrow"])
def test_expires_at_without_time_zone_is_422(shared_gateway, expires_at):
    body = _problem(
        shared_gateway.client.post(
            "/v1/admin/keys",
            json={"name": "audit", "roles": ["auditor"], "expires_at": expires_at},
            headers=shared_gateway.admin,
        )
    )
    assert "expires_at" in _fields(body)
    assert "time zone" in json.dumps(body)


@pytest.mark.parametrize(
    "field",
    ["number", "seller.vat_id", "seller.legal_id.value", "buyer.vat_id", "buyer.legal_id.value"],
)
def test_values_longer_than_their_column_are_422_on_both_databases(shared_gateway, field):
    draft = api_draft("LONG-1")
    long_value = "DE" + "1" * 248
    if field == "number":
        draft["number"] = long_value
    else:
        party, *rest = field.split(".")
        if rest == ["legal_id", "value"]:
            draft[party]["legal_id"] = {"value": long_value}
        else:
            draft[party]["vat_id"] = long_value
    body = _problem(
        shared_gateway.client.post("/v1/invoices", json=draft, headers=shared_gateway.erp)
    )
    assert field in _fields(body), body
    assert "at most 200" in json.dumps(body)
    assert (
        shared_gateway.client.get("/v1/invoices", headers=shared_gateway.erp).json()["data"] == []
    )


def test_a_value_exactly_at_the_column_width_is_stored(gateway):
    response = gateway.client.post("/v1/invoices", json=api_draft("N" * 200), headers=gateway.erp)
    assert response.status_code == 201, response.text[:300]
    assert response.json()["number"] == "N" * 200


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data[:80]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k.lower() == "content-length"
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed mid-body")
        rest += chunk
    return status, rest[:length]


@pytest.mark.slow
def test_a_500_keeps_the_keep_alive_connection_usable(tmp_path):
    """On a live uvicorn: after a 500, the next request on the same connection is answered."""
    env = {"EGW_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.api.faulty_app:create_faulty_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("server did not start")
                time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            requests = [
                b"GET /test-only/fail HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                b"POST /test-only/fail HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            ]
            statuses = []
            for request in requests:
                sock.sendall(request)
                status, body = _read_response(sock)
                statuses.append(status)
            assert statuses == [500, 200, 500, 200]
            assert b"4111411141114111" not in body
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    log = stderr.decode()
    assert "RuntimeError" in log
    assert "4111411141114111" not in log  # the message (personal data) is withheld
