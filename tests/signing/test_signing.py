"""XAdES signatures: corpus signing judged by two verifiers and the official rules; tampering; rotation."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from signxml.xades import XAdESVerifier

import validators
from signing import (
    KeyRing,
    SigningKeyError,
    VerificationError,
    generate_dev_key,
    load_pem,
    load_pkcs12,
    sign,
    sign_detached,
    verify,
)
from signing.xades import SignaturePolicy
from tests.conftest import corpus_files


@pytest.fixture(scope="module")
def ec_key():
    return generate_dev_key(algorithm="ECDSA")


@pytest.fixture(scope="module")
def rsa_key():
    return generate_dev_key(algorithm="RSA")


@pytest.fixture(scope="module")
def signed_example(ec_key, corpus_dir):
    return sign((corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes(), ec_key)


@pytest.mark.slow  # a corpus sweep
def test_every_valid_ubl_instance_signs_verifies_twice_and_stays_valid(corpus_dir, ec_key, capsys):
    files = corpus_files("ubl", "valid")
    failures = {}
    for path in files:
        signed = sign(path.read_bytes(), ec_key)
        info = verify(signed, trusted=[ec_key.certificate])
        assert info.kind == "enveloped" and info.key_id == ec_key.key_id
        assert (
            len(XAdESVerifier().verify(signed, x509_cert=ec_key.certificate)) == 3
        )  # independent check
        report = validators.validate(signed, profile="en16931")
        if not report.valid:
            failures[path.name] = [(f.rule_id, f.message) for f in report.fatal]
    with capsys.disabled():
        print(
            f"\nsigned UBL corpus: {len(files) - len(failures)}/{len(files)} verify and stay valid"
        )
    assert len(files) == 58 and not failures


def test_signature_sits_in_the_ubl_extension_with_a_body_signature(signed_example):
    from lxml import etree

    root = etree.fromstring(signed_example)
    ns = {
        "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
        "sig": "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2",
        "sac": "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2",
        "ds": "http://www.w3.org/2000/09/xmldsig#",
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "xades": "http://uri.etsi.org/01903/v1.3.2#",
    }
    path = "/*/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sig:UBLDocumentSignatures/sac:SignatureInformation/ds:Signature"
    assert len(root.xpath(path, namespaces=ns)) == 1
    assert len(root.xpath("/*/cac:Signature", namespaces=ns)) == 1
    assert root.xpath(
        "//ds:Reference[@URI='']/ds:Transforms/ds:Transform/@Algorithm", namespaces=ns
    )[0].endswith("enveloped-signature")
    assert root.xpath("//xades:SigningTime", namespaces=ns)
    assert root.xpath("//xades:SigningCertificate/xades:Cert/xades:CertDigest", namespaces=ns)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (
            lambda d: d.replace(
                b'<cbc:PayableAmount currencyID="EUR">', b'<cbc:PayableAmount currencyID="EUR">9', 1
            ),
            "digest",
        ),
        (
            lambda d: (
                d[: d.index(b"<cac:InvoiceLine>")]
                + d[d.index(b"</cac:InvoiceLine>") + len(b"</cac:InvoiceLine>") :]
            ),
            "digest",
        ),
    ],
    ids=["changed-amount", "removed-line"],
)
def test_tampered_content_is_detected(signed_example, ec_key, tamper, reason):
    with pytest.raises(VerificationError) as caught:
        verify(tamper(signed_example), trusted=[ec_key.certificate])
    assert caught.value.reason == reason


def test_changed_signing_time_is_detected(signed_example, ec_key):
    import re

    tampered = re.sub(
        rb"<xades:SigningTime>[^<]+</xades:SigningTime>",
        b"<xades:SigningTime>2020-01-01T00:00:00+00:00</xades:SigningTime>",
        signed_example,
    )
    assert tampered != signed_example
    with pytest.raises(VerificationError) as caught:
        verify(tampered, trusted=[ec_key.certificate])
    assert caught.value.reason in ("digest", "signature-value")


def test_replaced_certificate_is_detected(signed_example, ec_key):
    other = generate_dev_key()
    import re

    old = re.search(rb"<ds:X509Certificate>([^<]+)</ds:X509Certificate>", signed_example).group(1)
    new = base64.b64encode(other.certificate.public_bytes(serialization.Encoding.DER))
    tampered = signed_example.replace(old, new)
    with pytest.raises(VerificationError):
        verify(tampered, trusted=[ec_key.certificate, other.certificate])


def test_wrong_trust_anchor_is_refused(signed_example):
    with pytest.raises(VerificationError) as caught:
        verify(signed_example, trusted=[generate_dev_key().certificate])
    assert caught.value.reason == "untrusted"


def test_detached_signatures_over_cii_and_arbitrary_bytes(corpus_dir, rsa_key):
    documents = [p.read_bytes() for p in corpus_files("cii", "valid")] + [
        b"%PDF-1.7\n\x00\xff binary",
        b"plain text",
    ]
    for data in documents:
        signature = sign_detached(data, rsa_key)
        assert (
            verify(signature, trusted=[rsa_key.certificate], detached_data=data).kind == "detached"
        )
        flipped = bytearray(data)
        flipped[len(flipped) // 2] ^= 0x01
        with pytest.raises(VerificationError) as caught:
            verify(signature, trusted=[rsa_key.certificate], detached_data=bytes(flipped))
        assert caught.value.reason == "digest"


def test_key_rotation_keeps_old_documents_verifiable(signed_example, ec_key):
    ring = KeyRing([ec_key])
    newer = generate_dev_key()
    ring.add(newer)
    assert ring.current.key_id == newer.key_id
    assert verify(signed_example, trusted=ring).key_id == ec_key.key_id
    assert len(ring) == 2


def test_signing_twice_is_refused(signed_example, ec_key):
    from signing import SigningError

    with pytest.raises(SigningError):
        sign(signed_example, ec_key)


def test_epes_policy_is_carried(corpus_dir, ec_key):
    policy = SignaturePolicy(
        identifier="urn:example:policy:1", sha256_b64=base64.b64encode(b"\x00" * 32).decode()
    )
    signed = sign(
        (corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes(),
        ec_key,
        policy=policy,
    )
    assert b"urn:example:policy:1" in signed
    assert verify(signed, trusted=[ec_key.certificate]).key_id == ec_key.key_id


def test_pem_and_pkcs12_loading(tmp_path, rsa_key):
    generate_dev_key(tmp_path / "dev")
    key = load_pem(tmp_path / "dev" / "key.pem", tmp_path / "dev" / "cert.pem")
    assert (tmp_path / "dev" / "key.pem").stat().st_mode & 0o777 == 0o600
    bundle = pkcs12.serialize_key_and_certificates(
        b"egw",
        rsa_key.private_key,
        rsa_key.certificate,
        None,
        serialization.BestAvailableEncryption(b"secret"),
    )
    (tmp_path / "key.p12").write_bytes(bundle)
    assert load_pkcs12(tmp_path / "key.p12", password="secret").key_id == rsa_key.key_id
    with pytest.raises(SigningKeyError) as caught:
        load_pkcs12(tmp_path / "key.p12", password="wrong")
    assert "wrong password" in str(caught.value)
    with pytest.raises(SigningKeyError):
        load_pem(tmp_path / "dev" / "key.pem", tmp_path / "missing.pem")
    assert key.algorithm.startswith("ECDSA")


def test_key_repr_never_shows_private_material(ec_key):
    pem = ec_key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    secret_line = pem.decode().splitlines()[1]
    assert secret_line not in repr(ec_key) and secret_line not in str(ec_key)
    assert "PRIVATE" not in repr(ec_key)


def test_weak_rsa_keys_are_refused(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    cert = generate_dev_key().certificate
    (tmp_path / "k.pem").write_bytes(
        weak.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(SigningKeyError) as caught:
        load_pem(tmp_path / "k.pem", tmp_path / "c.pem")
    assert "2048" in str(caught.value)


def test_certificate_expired_at_signing_time_is_refused(corpus_dir):
    key = generate_dev_key(valid_days=0)
    signed = sign((corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes(), key)
    # The certificate ends "now"; a signing time after its end must be refused. Simulate
    # a later signature by checking against the certificate validity end directly.
    assert key.certificate.not_valid_after_utc <= datetime.datetime.now(
        datetime.UTC
    ) + datetime.timedelta(seconds=5)
    from signing.verify import _check_trust

    with pytest.raises(VerificationError) as caught:
        _check_trust(
            key.certificate,
            [key.certificate],
            key.certificate.not_valid_after_utc + datetime.timedelta(days=1),
        )
    assert caught.value.reason == "expired"
    assert signed


def test_cli_sign_verify_generate(tmp_path, corpus_dir, capsys):
    from gateway.cli import main

    assert main(["keys", "generate-dev", "--out", str(tmp_path / "k")]) == 0
    assert "NOT for production" in capsys.readouterr().err
    source = corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml"
    key, cert = str(tmp_path / "k" / "key.pem"), str(tmp_path / "k" / "cert.pem")
    assert (
        main(["sign", str(source), "--key", key, "--cert", cert, "-o", str(tmp_path / "s.xml")])
        == 0
    )
    assert main(["verify", str(tmp_path / "s.xml"), "--trust", cert]) == 0
    tampered = tmp_path / "t.xml"
    tampered.write_bytes(
        (tmp_path / "s.xml").read_bytes().replace(b"<cbc:ID>12115118", b"<cbc:ID>12115119")
    )
    assert main(["verify", str(tampered), "--trust", cert]) == 1
    assert main(["verify", str(tmp_path / "missing.xml"), "--trust", cert]) == 2
    assert (
        main(
            [
                "sign",
                str(source),
                "--key",
                key,
                "--cert",
                cert,
                "--detached",
                "-o",
                str(tmp_path / "d.xml"),
            ]
        )
        == 0
    )
    assert (
        main(["verify", str(source), "--signature", str(tmp_path / "d.xml"), "--trust", cert]) == 0
    )
