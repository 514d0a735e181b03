"""Templated XAdES-BES/EPES enveloped signing for UBL: signxml's signature, built without signxml.

signxml builds every signature element by element, re-parses the document twice
and canonicalises it more than once. For one key and one policy, everything in
the signature except seven values is the same for every document: the four ``Id``
tokens (and the references to them), the signing time, three digests and the
signature value. So the signature is built once by signxml itself (on a tiny
stand-in document) and kept as a template; signing a document then copies the
template, sets those values, canonicalises the document once (for its digest) and
the three small signed parts in place (SignedProperties, KeyInfo, SignedInfo),
exactly as signxml's canonicalisation does (inclusive C14N over lxml,
``xmlns=""`` excised), and signs SignedInfo.

The output is byte for byte what :func:`signing.xades.sign_with_signxml` makes for
the same tokens and signing time (tests/signing/test_template.py proves it with
RSA, whose PKCS#1 v1.5 signatures are deterministic, and verifies every corpus
document with both verifiers).
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from lxml import etree

from schemas.errors import Problem
from signing.errors import SigningError
from signing.keys import SigningKey

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"

_STAND_IN = (
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:ID>template</cbc:ID></Invoice>"
)


@dataclass(frozen=True)
class SignatureTemplate:
    """signxml's ``ds:Signature`` for one key and policy, detached, with paths to what varies."""

    signature: etree._Element
    key: SigningKey


def _token() -> str:
    # The same form as signxml's ids: 4 random bytes, upper-case hex.
    return secrets.token_hex(4).upper()


_templates: dict[tuple[str, object], SignatureTemplate] = {}
_templates_lock = threading.Lock()


def template_for(key: SigningKey, policy: object) -> SignatureTemplate:
    """The signature template of a key and policy, made by signxml once per process."""
    cache_key = (key.key_id, policy)
    with _templates_lock:
        found = _templates.get(cache_key)
    if found is not None:
        return found
    from signing.xades import sign_with_signxml  # the reference signer builds the template

    signed = etree.fromstring(sign_with_signxml(_STAND_IN, key, policy=policy))  # type: ignore[arg-type]
    signature = signed.find(f".//{{{DS}}}Signature")
    assert signature is not None
    template = SignatureTemplate(signature=copy.deepcopy(signature), key=key)
    with _templates_lock:
        _templates[cache_key] = template
    return template


def _c14n(element: etree._Element) -> bytes:
    """The canonical form signxml computes for C14N 1.1: inclusive, no comments, no ``xmlns=""``."""
    return etree.tostring(element, method="c14n", exclusive=False, with_comments=False).replace(
        b' xmlns=""', b""
    )


def _digest(element: etree._Element) -> str:
    return base64.b64encode(hashlib.sha256(_c14n(element)).digest()).decode()


def _signature_value(key: SigningKey, signed_info: bytes) -> str:
    private_key = key.private_key
    if isinstance(private_key, rsa.RSAPrivateKey):
        raw = private_key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
    else:
        der = private_key.sign(signed_info, ec.ECDSA(hashes.SHA256()))
        # XML Signature wants r || s, each padded to the curve's byte length.
        r, s = utils.decode_dss_signature(der)
        size = (private_key.key_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return base64.b64encode(raw).decode()


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path, namespaces={"ds": DS, "xades": XADES})
    if found is None:  # the template is signxml's own output: this cannot happen unless it changed
        raise SigningError(
            f"the signature template has no {path}",
            problems=[Problem(field="signature", message=f"no {path}", rule="signing.template")],
        )
    return found


def sign_in_place(
    root: etree._Element,
    location: etree._Element,
    template: SignatureTemplate,
    *,
    signing_time: datetime.datetime | None = None,
    token: Callable[[], str] = _token,
) -> None:
    """Signs a document tree: adds the enveloped signature as the last child of ``location``.

    ``root`` must not contain any other ``ds:Signature``; ``location`` is where the
    signature goes (the UBL ``sac:SignatureInformation``). ``signing_time`` and
    ``token`` exist for the tests that compare the output with signxml's.
    """
    # The enveloped-signature transform removes the signature: digest the document now.
    document_digest = _digest(root)
    with _templates_lock:  # the template's tree is shared between request threads
        signature = copy.deepcopy(template.signature)
    signature_id = f"SignXMLSignature{token()}"
    certificate_id = f"SignXMLCertificate{token()}"
    properties_id = f"{signature_id}-SignedProperties{token()}"
    reference_id = f"SignXMLReference{token()}"
    signature.set("Id", signature_id)
    key_info = _one(signature, "ds:KeyInfo")
    key_info.set("Id", certificate_id)
    _one(signature, "ds:Object/xades:QualifyingProperties").set("Target", f"#{signature_id}")
    properties = _one(signature, "ds:Object/xades:QualifyingProperties/xades:SignedProperties")
    properties.set("Id", properties_id)
    moment = signing_time or datetime.datetime.now(datetime.UTC)
    _one(properties, "xades:SignedSignatureProperties/xades:SigningTime").text = moment.isoformat(
        timespec="seconds"
    )
    _one(properties, "xades:SignedDataObjectProperties/xades:DataObjectFormat").set(
        "ObjectReference", f"#{reference_id}"
    )
    signed_info = _one(signature, "ds:SignedInfo")
    document_ref, properties_ref, certificate_ref = signed_info.findall(f"{{{DS}}}Reference")
    document_ref.set("Id", reference_id)
    properties_ref.set("URI", f"#{properties_id}")
    certificate_ref.set("URI", f"#{certificate_id}")
    location.append(signature)
    # Digests of the signed parts in their place: inclusive C14N sees the ancestors' namespaces.
    _one(document_ref, "ds:DigestValue").text = document_digest
    _one(properties_ref, "ds:DigestValue").text = _digest(properties)
    _one(certificate_ref, "ds:DigestValue").text = _digest(key_info)
    _one(signature, "ds:SignatureValue").text = _signature_value(template.key, _c14n(signed_info))
