"""The native Peppol engine's own choices: collation, the copy without lines, pattern errors."""

from __future__ import annotations

import locale
from pathlib import Path

import pytest
from lxml import etree

from schemas.artifacts import Artifact
from schemas.errors import ArtifactError
from tests.validators.native.peppol_differential import native_findings, official_findings, restrict
from validators import native
from validators.native.peppol import CODEPOINT_COLLATION, PeppolProgram, PeppolRules
from validators.native.sch import read_sch

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

# Building the Peppol program takes seconds, and the draft path does not run it (Saxon judges
# Peppol drafts: see validators.native._NOT_WIRED): its tests run in the full suite (CI).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rules(artifacts_dir: Path) -> PeppolRules:
    found = native.native_rules("peppol-bis-3")
    assert isinstance(found, PeppolRules)
    return found


def _invoice(body: str) -> bytes:
    return (f"<Invoice xmlns='{UBL}' xmlns:cac='{CAC}' xmlns:cbc='{CBC}'>{body}</Invoice>").encode()


def test_string_functions_use_the_codepoint_collation_whatever_the_locale(rules):
    previous = locale.setlocale(locale.LC_COLLATE, None)
    try:
        # elementpath reads LC_COLLATE when a parser is made; Saxon compares by codepoint.
        locale.setlocale(locale.LC_COLLATE, "C.UTF-8")
        program = PeppolProgram(rules.official, only=["NL-R-003"])
    finally:
        locale.setlocale(locale.LC_COLLATE, previous)
    for compiled in (c for rs in program.patterns.values() for c in rs):
        for _, test in compiled.tests:
            if test.xpath2 is not None:
                assert test.xpath2.token.parser.default_collation == CODEPOINT_COLLATION
    # NL-R-003 runs contains() in the XPath 2.0 engine: no locale error, Saxon's verdict.
    document = _invoice(
        "<cac:AccountingSupplierParty><cac:Party>"
        "<cac:PostalAddress><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode>"
        "</cac:Country></cac:PostalAddress>"
        "<cac:PartyLegalEntity><cbc:CompanyID schemeID='0107'>1</cbc:CompanyID></cac:PartyLegalEntity>"
        "</cac:Party></cac:AccountingSupplierParty>"
    )
    official = official_findings(document)
    assert official is not None
    ours = native_findings(document, program)
    assert ours == restrict(official, {"NL-R-003"})
    assert [k[0] for k in ours] == ["NL-R-003"]


def test_a_party_inside_a_line_keeps_its_document_on_the_full_tree(rules):
    # A supplier party grafted into a line: //cac:AccountingSupplierParty finds two, so
    # the Swedish rules may not run over the copy without lines.
    party = (
        "<cac:AccountingSupplierParty><cac:Party><cac:PostalAddress><cac:Country>"
        "<cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>"
        "<cac:PartyTaxScheme><cbc:CompanyID>SE556036079301</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        "</cac:Party></cac:AccountingSupplierParty>"
    )
    document = _invoice(
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>"
        "<cac:TaxTotal><cac:TaxSubtotal><cac:TaxCategory><cbc:ID>S</cbc:ID>"
        "<cbc:Percent>19</cbc:Percent></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>"
        f"<cac:InvoiceLine><cbc:ID>1</cbc:ID>{party}</cac:InvoiceLine>"
    )
    official = official_findings(document)
    assert official is not None
    ours = native_findings(document, rules.program)
    assert ours == restrict(official, rules.rule_ids)
    assert any(key[0] == "SE-R-006" for key in ours)


def test_an_error_in_a_match_pattern_means_no_match(rules):
    # Two exemption codes: upper-case() of both is Saxon's error, so P0104's context
    # does not match this tax category (XSLT 3.0), where XPath 1.0 would read the first.
    document = _invoice(
        "<cac:TaxTotal><cac:TaxSubtotal><cac:TaxCategory><cbc:ID>S</cbc:ID>"
        "<cbc:TaxExemptionReasonCode>VATEX-EU-G</cbc:TaxExemptionReasonCode>"
        "<cbc:TaxExemptionReasonCode>VATEX-EU-G</cbc:TaxExemptionReasonCode>"
        "</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>"
    )
    official = official_findings(document)
    assert official is not None
    ours = native_findings(document, rules.program)
    assert ours == restrict(official, rules.rule_ids)
    assert not any(key[0] == "PEPPOL-EN16931-P0104" for key in ours)
    single = document.replace(
        b"<cbc:TaxExemptionReasonCode>VATEX-EU-G</cbc:TaxExemptionReasonCode></cac:TaxCategory>",
        b"</cac:TaxCategory>",
    )
    assert any(k[0] == "PEPPOL-EN16931-P0104" for k in native_findings(single, rules.program))
    tree = etree.ElementTree(etree.fromstring(single))
    assert native.run_stage(rules, "peppol", tree).outcome == "invalid"


def test_the_rule_set_is_read_from_the_sch_with_its_ids_flags_and_variables(rules, tmp_path):
    assert rules.official.assertion("PEPPOL-COMMON-R044").flag == "warning"
    assert rules.official.assertion("PEPPOL-EN16931-R001").message == (
        "Business process MUST be provided."
    )
    with pytest.raises(KeyError):
        rules.official.assertion("BR-01")
    names = {v.name for v in rules.official.variables}
    assert {"profile", "supplierCountry", "ISO4217", "isGreekSender"} <= names
    abstract = tmp_path / "abstract.sch"
    abstract.write_text(
        "<schema xmlns='http://purl.oclc.org/dsdl/schematron'>"
        "<pattern abstract='true' id='a'/></schema>"
    )
    artifact = Artifact("test", "1", "sch", abstract, "0" * 64, "test")
    with pytest.raises(ArtifactError, match="abstract pattern"):
        read_sch(artifact)
