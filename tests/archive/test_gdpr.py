"""GDPR: a natural person's data is nowhere in clear, still searchable, answerable and shreddable.

The test subject's name, e-mail, street and IBAN are unusual strings; after a run
that stores, searches, reads, fails on purpose and verifies, none of them may
appear in the data directory (SQLite file, WAL, blobs), in a PostgreSQL dump, in
any log line or in any problem response.
"""

from __future__ import annotations

import copy
import logging
import subprocess
from datetime import date
from pathlib import Path

from gateway.archive import purge
from tests.api.drafts import api_draft
from tests.archive.helpers import key, scalar, verify

NAME = "Zyxwvu Qwertyson-Plimsoll"
EMAIL = "zq.plimsoll.7731@mailbox.example"
STREET = "Kwaxelbrunnenweg 77"
IBAN = "DE44500105175407324931"
SECRETS = (NAME, EMAIL, STREET, IBAN)


def person_draft(number: str, *, name: str = NAME, email: str = EMAIL) -> dict:
    data = api_draft(number)
    data["buyer"] = {
        "name": name,
        "is_natural_person": True,
        "address": {"lines": [STREET], "city": "Hamburg", "postal_code": "20095", "country": "DE"},
        "contact": {"name": name, "email": email},
    }
    data["payment"] = {
        "means_code": "59",
        "direct_debit": {
            "mandate_reference": "MANDATE-1",
            "creditor_id": "DE98ZZZ09999999999",
            "debited_account_id": IBAN,
        },
    }
    return data


def _leaks(blob: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in blob or s.lower().encode() in blob]


def test_personal_data_never_in_clear_yet_usable(gateway, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    responses: list[str] = []

    def call(method: str, url: str, **kwargs):
        response = gateway.client.request(method, url, **kwargs)
        responses.append(response.text)
        return response

    created = call("POST", "/v1/invoices", json=person_draft("GDPR-1"), headers=gateway.erp)
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["buyer_is_person"] is True and record["buyer"] == NAME  # the ERP sees it
    other = call(
        "POST",
        "/v1/invoices",
        json=person_draft("GDPR-2", name="Other Person", email="o@x.example"),
        headers=gateway.erp,
    )
    assert other.status_code == 201
    # Forced error paths: a duplicate number, a bad quantity, an unknown field, a bad date.
    assert (
        call("POST", "/v1/invoices", json=person_draft("GDPR-1"), headers=gateway.erp).status_code
        == 409
    )
    bad = copy.deepcopy(person_draft("GDPR-3"))
    bad["lines"][0]["quantity"] = NAME
    assert call("POST", "/v1/invoices", json=bad, headers=gateway.erp).status_code == 422
    bad = person_draft("GDPR-4")
    bad["buyer"]["nickname"] = NAME
    assert call("POST", "/v1/invoices", json=bad, headers=gateway.erp).status_code == 422
    bad = person_draft("GDPR-5")
    bad["issue_date"] = EMAIL
    assert call("POST", "/v1/invoices", json=bad, headers=gateway.erp).status_code == 422
    # Search through the blind index: by name in any case, by e-mail; list views hide the name.
    for query in (NAME, NAME.upper(), EMAIL):
        found = gateway.client.get(
            "/v1/invoices", params={"buyer": query}, headers=gateway.erp
        ).json()
        assert [i["id"] for i in found["data"]] == [record["id"]]
        assert found["data"][0]["buyer"] is None
    # The invoice still reads back byte-exact and verifies.
    xml = gateway.client.get(f"/v1/invoices/{record['id']}/xml", headers=gateway.erp)
    assert xml.status_code == 200 and NAME.encode() in xml.content
    from signing import verify as verify_signature

    assert verify_signature(xml.content, trusted=gateway.app.state.keys).kind == "enveloped"
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 0, result["problems"]
    # Nothing in clear on disk, in logs, or in problem responses.
    settings = gateway.app.state.settings
    with gateway.app.state.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    for path in Path(settings.data_dir).rglob("*"):
        if path.is_file():
            assert not _leaks(path.read_bytes()), path
    if settings.database_url:
        url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
        dump = subprocess.run(["pg_dump", url], capture_output=True, check=True).stdout
        assert dump and not _leaks(dump)
    for line in caplog.messages:
        assert not _leaks(line.encode()), line
    for text in responses[2:]:
        assert not _leaks(text.encode()), text


def test_subject_access_and_erasure_with_retention(gateway, monkeypatch, capsys):
    mine = gateway.client.post(
        "/v1/invoices", json=person_draft("SAR-1"), headers=gateway.erp
    ).json()
    theirs = gateway.client.post(
        "/v1/invoices",
        json=person_draft("SAR-2", name="Another Body", email="ab@x.example"),
        headers=gateway.erp,
    ).json()
    compliance = key(gateway, "compliance")
    vague = gateway.client.post(
        "/v1/privacy/subject-access", json={"name": NAME}, headers=compliance
    )
    assert vague.status_code == 422
    assert (
        gateway.client.post(
            "/v1/privacy/subject-access", json={"identifier": EMAIL}, headers=gateway.erp
        ).status_code
        == 403
    )
    answer = gateway.client.post(
        "/v1/privacy/subject-access",
        json={"name": NAME.lower(), "email": EMAIL},
        headers=compliance,
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert {i["invoice_id"] for i in items} == {mine["id"]}
    data = items[0]["data"]
    assert (
        data["name"] == NAME
        and data["contact"]["email"] == EMAIL
        and STREET in data["address"]["lines"]
    )
    assert data["payment"]["direct_debit"]["debited_account_id"] == IBAN
    assert items[0]["retain_until"] == "2034-12-31" and "DE" in items[0]["legal_basis"]
    # Erasure during retention restricts and records; it is not erased.
    erased = gateway.client.post(
        "/v1/privacy/erasure", json={"identifier": EMAIL}, headers=compliance
    )
    assert erased.status_code == 200, erased.text
    (outcome,) = erased.json()["outcome"]
    assert outcome["action"] == "restricted" and outcome["erasable_on"] == "2035-01-01"
    listed = gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"]
    assert [i["id"] for i in listed] == [theirs["id"]]
    events = gateway.client.get(f"/v1/invoices/{mine['id']}/events", headers=gateway.erp).json()[
        "events"
    ]
    assert [e["kind"] for e in events] == ["invoice.accepted", "erasure.requested"]
    code, _ = verify(gateway, monkeypatch, capsys)
    assert code == 0
    audit = scalar(gateway, "SELECT count(*) FROM audit_event WHERE action LIKE 'privacy.%'")
    assert audit == 2
    # At the end of retention the purge shreds it: unrecoverable, even with the KEK.
    wrapped = scalar(
        gateway,
        "SELECT wrapped FROM data_key WHERE id = (SELECT data_key_id FROM invoice WHERE id = :i)",
        i=mine["id"],
    )
    archive, engine = gateway.app.state.archive, gateway.app.state.engine
    after = date(2035, 1, 1)
    result = purge.purge(engine, archive, as_of=after, today=after)
    assert result.purged[0] == mine["id"]  # erasure requests are shredded first
    from gateway.archive.errors import RecordShredded

    data_key_id = scalar(gateway, "SELECT id FROM data_key WHERE wrapped IS NULL LIMIT 1")
    from sqlmodel import Session

    with Session(engine) as session:
        try:
            archive.vault.open_key(session, data_key_id)
            raise AssertionError("a shredded key opened")
        except RecordShredded:
            pass
    settings = gateway.app.state.settings
    if not settings.database_url:
        for path in Path(settings.data_dir).rglob("gateway.db*"):
            assert wrapped.encode() not in path.read_bytes(), path
    assert (
        gateway.client.post(
            "/v1/privacy/subject-access", json={"identifier": EMAIL}, headers=compliance
        ).json()["items"]
        == []
    )
    code, result_json = verify(gateway, monkeypatch, capsys)
    assert code == 0, result_json["problems"]
    processing = gateway.client.get("/v1/privacy/processing", headers=compliance).json()
    assert processing["security"]["shredded_data_keys"] >= 1
    assert "buyer.name" in processing["business_terms_tagged_personal"]


def test_a_restricted_record_is_read_only_by_auditor_and_compliance(gateway):
    record = gateway.client.post(
        "/v1/invoices", json=person_draft("RES-1"), headers=gateway.erp
    ).json()
    compliance = key(gateway, "compliance")
    auditor = key(gateway, "auditor")
    erased = gateway.client.post(
        "/v1/privacy/erasure", json={"identifier": EMAIL}, headers=compliance
    )
    assert erased.json()["outcome"][0]["action"] == "restricted"
    for path in ("", "/xml", "/data", "/report"):
        refused = gateway.client.get(f"/v1/invoices/{record['id']}{path}", headers=gateway.erp)
        assert refused.status_code == 451, (path, refused.text)
        assert NAME not in refused.text
    assert (
        gateway.client.get(f"/v1/invoices/{record['id']}/xml", headers=auditor).status_code == 200
    )
    assert gateway.client.get(f"/v1/invoices/{record['id']}", headers=compliance).status_code == 200
    listed = gateway.client.get("/v1/invoices", headers=auditor).json()["data"]
    assert [i["id"] for i in listed] == [record["id"]]
