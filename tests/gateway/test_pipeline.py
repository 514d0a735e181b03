"""The pipeline renders every profile and syntax it offers, valid under that profile's rule sets."""

from __future__ import annotations

import pytest

from gateway.pipeline import prepare_draft
from schemas.model import InvoiceDraft
from signing import KeyRing, generate_dev_key, verify
from tests.api.pack_drafts import pack_draft


@pytest.fixture(scope="module")
def keys():
    return KeyRing([generate_dev_key()])


@pytest.mark.parametrize(
    ("profile", "syntax", "signature"),
    [
        ("en16931", "ubl", "enveloped"),
        ("en16931", "cii", "detached"),
        ("peppol-bis-3", "ubl", "detached"),
        ("xrechnung-3", "ubl", "detached"),
        ("xrechnung-3", "cii", "detached"),
    ],
)
def test_profile_and_syntax(profile, syntax, signature, keys, artifacts_dir):
    draft = pack_draft("DE", "PIPE-1")
    draft.update(profile=profile, syntax=syntax)
    prepared = prepare_draft(InvoiceDraft.model_validate(draft), keys)
    assert prepared.report.valid and prepared.report.profile == profile
    assert prepared.syntax == syntax and prepared.signature_kind == signature
    assert [r.outcome for r in prepared.report.results] == ["valid"] * len(prepared.report.results)
    if signature == "detached":
        assert (
            verify(prepared.signature, trusted=keys, detached_data=prepared.document).kind
            == "detached"
        )
    else:
        assert verify(prepared.document, trusted=keys).kind == "enveloped"


def test_peppol_is_ubl_only(keys):
    from gateway.pipeline import SubmissionRejected

    draft = pack_draft("DE", "PIPE-2")
    draft.update(profile="peppol-bis-3", syntax="cii")
    with pytest.raises(SubmissionRejected, match="not written in cii"):
        prepare_draft(InvoiceDraft.model_validate(draft), keys)


def test_configured_signature_policy_makes_epes_signatures(tmp_path, artifacts_dir):
    import base64

    from fastapi.testclient import TestClient

    from gateway.app import bootstrap_tenant, create_app
    from gateway.settings import Settings

    policy_hash = base64.b64encode(b"\x01" * 32).decode()
    app = create_app(
        Settings(
            data_dir=tmp_path / "data",
            signature_policy_id="urn:example:policy:2",
            signature_policy_sha256=policy_hash,
        )
    )
    _, _, erp = bootstrap_tenant(app.state.engine)
    client = TestClient(app)
    draft = pack_draft("DE", "EPES-1")
    draft["profile"] = "en16931"
    response = client.post("/v1/invoices", json=draft, headers={"Authorization": f"Bearer {erp}"})
    assert response.status_code == 201, response.text
    document = client.get(
        response.json()["links"]["xml"], headers={"Authorization": f"Bearer {erp}"}
    ).content
    assert b"urn:example:policy:2" in document and b"SignaturePolicyIdentifier" in document
    assert verify(document, trusted=app.state.keys).kind == "enveloped"


def test_signature_policy_settings_go_together():
    from pydantic import ValidationError

    from gateway.settings import Settings

    with pytest.raises(ValidationError, match="go together"):
        Settings(signature_policy_id="urn:example:policy")


def test_rotated_gateway_still_verifies_documents_of_the_old_key(tmp_path, artifacts_dir):
    from fastapi.testclient import TestClient

    from gateway.app import bootstrap_tenant, create_app
    from gateway.settings import Settings

    first = create_app(Settings(data_dir=tmp_path / "data"))
    _, _, erp = bootstrap_tenant(first.state.engine)
    headers = {"Authorization": f"Bearer {erp}"}
    draft = pack_draft("DE", "ROT-1")
    draft["profile"] = "en16931"
    client = TestClient(first)
    created = client.post("/v1/invoices", json=draft, headers=headers).json()
    document = client.get(created["links"]["xml"], headers=headers).content
    old_cert = tmp_path / "data" / "keys" / "cert.pem"

    new_keys = tmp_path / "new-keys"
    generate_dev_key(new_keys)
    second = create_app(
        Settings(
            data_dir=tmp_path / "data",
            signing_key=new_keys / "key.pem",
            signing_cert=new_keys / "cert.pem",
            previous_signing_certs=[old_cert],
        )
    )
    assert second.state.keys.current.key_id != created["signing_key_id"]
    assert verify(document, trusted=second.state.keys).key_id == created["signing_key_id"]
