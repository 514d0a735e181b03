"""Templated XAdES signing equals signxml's: same bytes, and every corpus document verifies twice."""

from __future__ import annotations

import datetime
import itertools

import pytest
from lxml import etree
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

import validators
from signing import VerificationError, generate_dev_key, verify
from signing.xades import SignaturePolicy, _UblSigner, sign, sign_templated, sign_with_signxml
from tests.conftest import corpus_files

MOMENT = datetime.datetime(2026, 11, 2, 9, 30, 15, tzinfo=datetime.UTC)
POLICY = SignaturePolicy(
    identifier="urn:example:policy:1",
    sha256_b64="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    description="test policy",
)


def _without_comments(document: bytes) -> bytes:
    # signxml re-parses the document from an ASCII serialisation, which turns non-ASCII
    # characters in comments into literal "&#229;" text; comments are outside every
    # digest (C14N without comments), so they are left out of the comparison.
    root = etree.fromstring(document)
    for comment in root.xpath("//comment()"):
        comment.getparent().remove(comment)
    return etree.tostring(root)


def _counter() -> itertools.count[int]:
    return itertools.count(1)


def deterministic_signxml(tokens):
    """signxml's UBL signer with fixed ids and signing time."""

    class Fixed(_UblSigner):
        def _get_token(self, length=4):
            return f"{next(tokens):08X}"

        def add_signing_time(self, signed_signature_properties, sig_root, signing_settings):
            etree.SubElement(
                signed_signature_properties,
                "{http://uri.etsi.org/01903/v1.3.2#}SigningTime",
                nsmap=self.namespaces,
            ).text = MOMENT.isoformat(timespec="seconds")

    return Fixed


@pytest.fixture(scope="module")
def rsa_key():
    return generate_dev_key(algorithm="RSA")


@pytest.fixture(scope="module")
def ec_key():
    return generate_dev_key(algorithm="ECDSA")


@pytest.mark.slow  # a corpus sweep: all 58 valid UBL instances
@pytest.mark.parametrize("policy", [None, POLICY], ids=["bes", "epes"])
def test_templated_signature_is_byte_for_byte_signxmls(corpus_dir, rsa_key, policy):
    # RSA PKCS#1 v1.5 is deterministic: with the same ids and time, equal inputs sign equally.
    files = corpus_files("ubl", "valid")
    different = []
    for path in files:
        data = path.read_bytes()
        tokens = _counter()
        reference = sign_with_signxml(
            data, rsa_key, policy=policy, signer_class=deterministic_signxml(tokens)
        )
        ours_tokens = _counter()
        ours = sign_templated(
            data,
            rsa_key,
            policy=policy,
            signing_time=MOMENT,
            token=lambda counter=ours_tokens: f"{next(counter):08X}",
        )
        if _without_comments(ours) != _without_comments(reference):
            different.append(path.name)
    assert len(files) == 58 and not different


@pytest.mark.slow  # a corpus sweep
@pytest.mark.parametrize("algorithm", ["ECDSA", "RSA"])
def test_every_corpus_document_signed_the_fast_way_verifies_twice_and_stays_valid(
    corpus_dir, algorithm, rsa_key, ec_key
):
    key = rsa_key if algorithm == "RSA" else ec_key
    files = corpus_files("ubl", "valid")
    failures = {}
    for path in files:
        signed = sign(path.read_bytes(), key)
        info = verify(signed, trusted=[key.certificate])
        assert info.kind == "enveloped" and info.key_id == key.key_id
        verified = XAdESVerifier().verify(
            signed,
            x509_cert=key.certificate,
            expect_config=XAdESSignatureConfiguration(expect_references=3),
        )
        assert len(verified) == 3
        report = validators.validate(signed, profile="en16931")
        if not report.valid:
            failures[path.name] = [(f.rule_id, f.message) for f in report.fatal]
    assert len(files) == 58 and not failures


def test_epes_policy_is_in_the_fast_signature_and_verifies(corpus_dir, ec_key):
    data = (corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    signed = sign(data, ec_key, policy=POLICY)
    assert b"urn:example:policy:1" in signed
    verify(signed, trusted=[ec_key.certificate])
    XAdESVerifier().verify(
        signed,
        x509_cert=ec_key.certificate,
        expect_config=XAdESSignatureConfiguration(expect_references=3),
        expect_signature_policy=sign_policy_for_signxml(),
    )


def sign_policy_for_signxml():
    from signxml import DigestAlgorithm
    from signxml.xades import XAdESSignaturePolicy

    return XAdESSignaturePolicy(
        Identifier=POLICY.identifier,
        Description=POLICY.description,
        DigestMethod=DigestAlgorithm.SHA256,
        DigestValue=POLICY.sha256_b64,
    )


def test_two_fast_signatures_of_one_document_use_fresh_ids(corpus_dir, ec_key):
    data = (corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    first, second = sign(data, ec_key), sign(data, ec_key)
    ids = [etree.fromstring(s).xpath("//*[local-name()='Signature']/@Id") for s in (first, second)]
    assert ids[0] and ids[0] != ids[1]


@pytest.mark.parametrize(
    "tamper",
    [
        (b"<cbc:ID>", b"<cbc:ID>X"),  # the invoice number (document digest)
        (b"<xades:SigningTime>2", b"<xades:SigningTime>1"),  # a signed property
    ],
    ids=["document", "signed-properties"],
)
def test_a_changed_fast_signed_document_fails_verification(corpus_dir, ec_key, tamper):
    data = (corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    signed = sign(data, ec_key)
    old, new = tamper
    changed = signed.replace(old, new, 1)
    assert changed != signed
    with pytest.raises(VerificationError):
        verify(changed, trusted=[ec_key.certificate])


def test_fast_signing_from_several_threads_at_once_gives_valid_signatures(corpus_dir, ec_key):
    from concurrent.futures import ThreadPoolExecutor

    data = (corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    with ThreadPoolExecutor(max_workers=4) as pool:
        signed = list(pool.map(lambda _: sign(data, ec_key), range(40)))
    for document in signed:
        verify(document, trusted=[ec_key.certificate])
    assert (
        len({etree.fromstring(s).xpath("//*[local-name()='Signature']/@Id")[0] for s in signed})
        == 40
    )
