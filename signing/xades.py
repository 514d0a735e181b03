"""XAdES signatures (ETSI EN 319 132) with signxml: enveloped in UBL, and detached over exact bytes.

Enveloped: the ``ds:Signature`` sits in
``ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sig:UBLDocumentSignatures/
sac:SignatureInformation`` as the UBL 2.1 signature extension describes, with the
matching ``cac:Signature`` in the document body; it references the whole document
with the enveloped-signature transform and carries SigningTime and
SigningCertificateV2 (XAdES-BES; XAdES-EPES when a signature policy is given).

Detached: a ``ds:Signature`` document whose first reference is the SHA-256 digest of
the exact bytes of another document (UBL, CII, PDF, anything), named by URI.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import methods
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import SignatureReference
from signxml.xades.xades import XAdESSignaturePolicy, XAdESSigner

from schemas.xml_input import parse_xml
from signing.errors import SigningError
from signing.keys import SigningKey
from signing.template import sign_in_place, template_for

EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
SIG = "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2"
SAC = "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2"
SBC = "urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"

SIGNATURE_ID = "urn:oasis:names:specification:ubl:signature:1"
SIGNATURE_METHOD = "urn:oasis:names:specification:ubl:dsig:enveloped:xades"

# cac:Signature comes after these UBL header elements and before the parties
# (the UBL 2.1 Invoice and CreditNote sequences).
_BEFORE_SIGNATURE = {
    "AccountingSupplierParty",
    "AccountingCustomerParty",
    "PayeeParty",
    "BuyerCustomerParty",
    "SellerSupplierParty",
    "TaxRepresentativeParty",
    "Delivery",
    "DeliveryTerms",
    "PaymentMeans",
    "PaymentTerms",
    "PrepaidPayment",
    "AllowanceCharge",
    "TaxExchangeRate",
    "PricingExchangeRate",
    "PaymentExchangeRate",
    "PaymentAlternativeExchangeRate",
    "TaxTotal",
    "WithholdingTaxTotal",
    "LegalMonetaryTotal",
    "InvoiceLine",
    "CreditNoteLine",
}


@dataclass(frozen=True)
class SignaturePolicy:
    """An XAdES-EPES signature policy: its identifier and the SHA-256 of the policy document."""

    identifier: str
    sha256_b64: str
    description: str = ""


def _signer(
    key: SigningKey,
    policy: SignaturePolicy | None,
    method: SignatureConstructionMethod,
    *,
    signer_class: type[XAdESSigner] = XAdESSigner,
) -> XAdESSigner:
    signature_method = (
        SignatureMethod.RSA_SHA256
        if key.algorithm.startswith("RSA")
        else SignatureMethod.ECDSA_SHA256
    )
    xades_policy = (
        XAdESSignaturePolicy(
            Identifier=policy.identifier,
            Description=policy.description,
            DigestMethod=DigestAlgorithm.SHA256,
            DigestValue=policy.sha256_b64,
        )
        if policy
        else None
    )
    return signer_class(
        method=method,
        signature_algorithm=signature_method,
        digest_algorithm=DigestAlgorithm.SHA256,
        signature_policy=xades_policy,
    )


def _certs(key: SigningKey) -> list[Any]:
    return [key.certificate, *key.chain]


def _insert_signature_extension(root: etree._Element) -> etree._Element:
    """Adds the UBL signature extension with a signxml placeholder; returns the placeholder."""
    if (
        root.find(
            f"{{{EXT}}}UBLExtensions/{{{EXT}}}UBLExtension/{{{EXT}}}ExtensionContent/{{{SIG}}}UBLDocumentSignatures"
        )
        is not None
    ):
        raise SigningError("the document is already signed (it has UBLDocumentSignatures)")
    extensions = root.find(f"{{{EXT}}}UBLExtensions")
    if extensions is None:
        extensions = etree.Element(f"{{{EXT}}}UBLExtensions", nsmap={"ext": EXT})
        root.insert(0, extensions)
    extension = etree.SubElement(extensions, f"{{{EXT}}}UBLExtension")
    content = etree.SubElement(extension, f"{{{EXT}}}ExtensionContent")
    signatures = etree.SubElement(
        content, f"{{{SIG}}}UBLDocumentSignatures", nsmap={"sig": SIG, "sac": SAC, "sbc": SBC}
    )
    information = etree.SubElement(signatures, f"{{{SAC}}}SignatureInformation")
    etree.SubElement(information, f"{{{CBC}}}ID", nsmap={"cbc": CBC}).text = SIGNATURE_ID
    etree.SubElement(information, f"{{{SBC}}}ReferencedSignatureID").text = _document_signature_id(
        root
    )
    placeholder = etree.SubElement(information, f"{{{DS}}}Signature", nsmap={"ds": DS})
    placeholder.set("Id", "placeholder")
    return placeholder


def _document_signature_id(root: etree._Element) -> str:
    return f"urn:oasis:names:specification:ubl:signature:{etree.QName(root).localname}"


def _insert_body_signature(root: etree._Element) -> None:
    """Adds ``cac:Signature`` (ID and method) in its place in the UBL sequence."""
    signature = etree.Element(f"{{{CAC}}}Signature", nsmap={"cac": CAC, "cbc": CBC})
    etree.SubElement(signature, f"{{{CBC}}}ID").text = _document_signature_id(root)
    etree.SubElement(signature, f"{{{CBC}}}SignatureMethod").text = SIGNATURE_METHOD
    for index, child in enumerate(root):
        if isinstance(child.tag, str) and etree.QName(child).localname in _BEFORE_SIGNATURE:
            root.insert(index, signature)
            return
    root.append(signature)


def _prepare_enveloped(xml: bytes) -> tuple[etree._Element, etree._Element]:
    """Parses a UBL document and adds the signature extension; returns the root and the placeholder."""
    root = parse_xml(xml).getroot()
    if etree.QName(root).localname not in ("Invoice", "CreditNote") or "ubl:schema:xsd" not in (
        etree.QName(root).namespace or ""
    ):
        raise SigningError(
            "enveloped signatures are placed in UBL Invoice or CreditNote documents only; use sign_detached"
        )
    placeholder = _insert_signature_extension(root)
    _insert_body_signature(root)
    return root, placeholder


def sign(xml: bytes, key: SigningKey, *, policy: SignaturePolicy | None = None) -> bytes:
    """Signs a UBL Invoice or CreditNote with an enveloped XAdES-BES (or -EPES) signature.

    The signature is signxml's (see :func:`sign_with_signxml`), built from a template
    made once per key and policy (``signing.template``): the same bytes, a fraction
    of the work.

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        SigningError: The document is not UBL or is already signed.
    """
    return sign_templated(xml, key, policy=policy)


def sign_templated(
    xml: bytes,
    key: SigningKey,
    *,
    policy: SignaturePolicy | None = None,
    signing_time: datetime.datetime | None = None,
    token: Callable[[], str] | None = None,
) -> bytes:
    """:func:`sign` with the signing time and id tokens open to the tests that compare it with signxml."""
    root, placeholder = _prepare_enveloped(xml)
    if root.get("Id") is not None or root.get("ID") is not None:
        # signxml would reference such a root by its id, not by URI="": leave it to signxml.
        return sign_with_signxml(xml, key, policy=policy)
    location = placeholder.getparent()
    assert location is not None
    location.remove(placeholder)
    options: dict[str, Any] = {"signing_time": signing_time}
    if token is not None:
        options["token"] = token
    sign_in_place(root, location, template_for(key, policy), **options)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def sign_with_signxml(
    xml: bytes,
    key: SigningKey,
    *,
    policy: SignaturePolicy | None = None,
    signer_class: type[XAdESSigner] | None = None,
) -> bytes:
    """The reference signer: the same enveloped signature as :func:`sign`, built by signxml.

    ``signer_class`` (a subclass of the UBL signer) lets the tests fix signxml's
    random ids and signing time.
    """
    root, _ = _prepare_enveloped(xml)
    signer = _signer(key, policy, methods.enveloped, signer_class=signer_class or _UblSigner)
    # No reference URI: signxml then references the whole document (URI="").
    signed = signer.sign(root, key=key.private_key, cert=_certs(key))
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


class _UblSigner(XAdESSigner):
    """XAdES signer for UBL: SigningCertificate as the UBL 2.1 XAdES 1.3.2 schema defines it.

    The XAdES schema that UBL 2.1 ships (UBL-XAdESv132-2.1.xsd) has no
    SigningCertificateV2, so a document carrying it fails the UBL 2.1 XSD. We emit
    SigningCertificate with a SHA-256 certificate digest and IssuerSerial instead;
    it binds the certificate the same way.
    """

    def add_signing_certificate(
        self, signed_signature_properties: Any, sig_root: Any, signing_settings: Any
    ) -> None:
        holder = etree.SubElement(
            signed_signature_properties, f"{{{XADES}}}SigningCertificate", nsmap=self.namespaces
        )
        for cert in signing_settings.cert_chain:
            der = cert.public_bytes(serialization.Encoding.DER)
            cert_node = etree.SubElement(holder, f"{{{XADES}}}Cert", nsmap=self.namespaces)
            digest = etree.SubElement(cert_node, f"{{{XADES}}}CertDigest", nsmap=self.namespaces)
            etree.SubElement(
                digest,
                f"{{{DS}}}DigestMethod",
                nsmap=self.namespaces,
                Algorithm=DigestAlgorithm.SHA256.value,
            )
            etree.SubElement(
                digest, f"{{{DS}}}DigestValue", nsmap=self.namespaces
            ).text = base64.b64encode(hashlib.sha256(der).digest()).decode()
            serial = etree.SubElement(cert_node, f"{{{XADES}}}IssuerSerial", nsmap=self.namespaces)
            etree.SubElement(
                serial, f"{{{DS}}}X509IssuerName", nsmap=self.namespaces
            ).text = cert.issuer.rfc4514_string()
            etree.SubElement(serial, f"{{{DS}}}X509SerialNumber", nsmap=self.namespaces).text = str(
                cert.serial_number
            )


class _DetachedBytesSigner(XAdESSigner):
    """An XAdES signer whose data reference is the exact bytes of an external document."""

    def __init__(self, payload: bytes, uri: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._payload = payload
        self._uri = uri

    def _unpack(self, data: Any, references: Any) -> Any:
        # signxml leaves its private helpers unannotated.
        sig_root = etree.Element(self._ds_tag("Signature"), nsmap=self.namespaces)  # type: ignore[no-untyped-call]
        return sig_root, sig_root, [self._payload], [SignatureReference(URI=self._uri)]

    def _c14n(self, nodes: Any, algorithm: Any, inclusive_ns_prefixes: Any = None) -> bytes:
        # The external document is digested as it is: exact bytes, no canonicalisation.
        if isinstance(nodes, bytes):
            return nodes
        return bytes(
            super()._c14n(nodes, algorithm=algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        )

    def _build_sig(
        self,
        sig_root: Any,
        references: Any,
        c14n_inputs: Any,
        inclusive_ns_prefixes: Any,
        exclude_c14n_transform_element: bool = False,
    ) -> Any:
        signed_info, signature_value = super()._build_sig(  # type: ignore[no-untyped-call]
            sig_root,
            references,
            c14n_inputs,
            inclusive_ns_prefixes,
            exclude_c14n_transform_element=True,
        )
        # The external document's reference has no transform at all: an empty
        # ds:Transforms would break the XML Signature schema, so it goes.
        for transforms in signed_info.findall(f"{{{DS}}}Reference/{{{DS}}}Transforms"):
            if len(transforms) == 0:
                transforms.getparent().remove(transforms)
        return signed_info, signature_value


def document_uri(data: bytes) -> str:
    """The URI a detached signature uses to name the document it signs: its SHA-256."""
    return f"urn:sha256:{hashlib.sha256(data).hexdigest()}"


def sign_detached(data: bytes, key: SigningKey, *, policy: SignaturePolicy | None = None) -> bytes:
    """Creates a detached XAdES signature over the exact bytes of a document.

    The signature names the document by ``urn:sha256:<hex>``; the verifier is given
    the bytes and checks their digest.
    """
    if not data:
        raise SigningError("there is nothing to sign: the document is empty")
    base = _signer(key, policy, methods.detached)
    signer = _DetachedBytesSigner(
        data,
        document_uri(data),
        method=methods.detached,
        signature_algorithm=base.sign_alg,
        digest_algorithm=DigestAlgorithm.SHA256,
        signature_policy=base.signature_policy,
    )
    signed = signer.sign(
        etree.Element("unused"),
        key=key.private_key,
        cert=_certs(key),
        exclude_c14n_transform_element=True,
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
