"""A rule set that stops with a dynamic error on a document judges it invalid, quoting nothing.

Saxon stops the official rules with a dynamic error on some documents that are well-formed
(and may even fit the XSD): a text split by a processing instruction makes
``normalize-space(cbc:CustomizationID)`` see two strings (XPTY0004); an empty amount cannot
be cast to a decimal (FORG0001). That is the document's fault: it cannot be judged valid. It
was reported as "not checked" (503, retry later), with Saxon's message, which quotes the
document's values, in the log.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.artifacts import Artifact, load
from tests.validators.test_stage_errors import TERMINATING_XSLT
from validators.stages import schematron

PEPPOL_EXAMPLE = "ubl/valid/peppol-base-example.xml"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


def split_customization_id(xml: str) -> str:
    """The Peppol example with a processing instruction inside its CustomizationID."""
    assert CUSTOMIZATION in xml
    return xml.replace(CUSTOMIZATION, CUSTOMIZATION.replace(":cen.eu", "<?pi x?>:cen.eu"), 1)


def empty_payable_amount(xml: str) -> str:
    changed, count = re.subn(r"(<cbc:PayableAmount[^>]*>)[^<]*", r"\1", xml, count=1)
    assert count == 1
    return changed


@pytest.mark.parametrize(
    ("artifact", "mutate"),
    [("peppol-ubl-sch", split_customization_id), ("en16931-ubl-xslt", empty_payable_amount)],
)
def test_a_dynamic_error_on_the_document_is_an_invalid_verdict_quoting_nothing(
    corpus_dir: Path, artifacts_dir: Path, artifact, mutate
):
    original = (corpus_dir / PEPPOL_EXAMPLE).read_text()
    # The rule set has run in this process (as after the warm-up): it is not broken itself.
    assert schematron.run("schematron", load(artifact), original).outcome == "valid"
    result = schematron.run("schematron", load(artifact), mutate(original))
    assert result.outcome == "invalid"
    (finding,) = result.findings
    assert finding.rule_id == schematron.CANNOT_EVALUATE and finding.severity == "fatal"
    assert artifact in finding.message
    for quoted in ("urn", "cen.eu", '""', "xs:decimal", "normalize-space"):
        assert quoted not in finding.message.replace(artifact, ""), quoted


def test_a_rule_set_that_never_finished_a_run_stays_an_error(tmp_path):
    """A stylesheet that stops on every document is broken itself: an error stage, each time."""
    path = tmp_path / "stop.xslt"
    path.write_text(TERMINATING_XSLT)
    artifact = Artifact(
        "stop", "0", "xslt", path, hashlib.sha256(path.read_bytes()).hexdigest(), "test"
    )
    for _ in range(2):
        result = schematron.run("stop", artifact, "<Invoice/>")
        assert result.outcome == "error"
        # Saxon's message (here the stylesheet's own text) is not kept: it may quote the document.
        assert "exploded" not in (result.detail or "")


def test_saxon_writes_nothing_of_the_document_to_stderr(tmp_path):
    """SaxonC reports dynamic errors on stderr itself; that output must go nowhere."""
    stylesheet = tmp_path / "cast.xslt"
    stylesheet.write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
        ' xmlns:xs="http://www.w3.org/2001/XMLSchema"><xsl:template match="/">'
        '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
        '<xsl:value-of select="xs:decimal(string(/a))"/></svrl:schematron-output>'
        "</xsl:template></xsl:stylesheet>"
    )
    script = f"""
import hashlib, pathlib
from schemas.artifacts import Artifact
from validators.stages import schematron
path = pathlib.Path({str(stylesheet)!r})
artifact = Artifact("cast", "0", "xslt", path, hashlib.sha256(path.read_bytes()).hexdigest(), "t")
assert schematron.run("cast", artifact, "<a>1.5</a>").outcome != "error"
result = schematron.run("cast", artifact, "<a>Zyxwvu-Plimsoll</a>")
print(result.findings[0].rule_id)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == schematron.CANNOT_EVALUATE
    assert "Zyxwvu" not in done.stderr + done.stdout
