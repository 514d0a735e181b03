"""A rule set that fails at run time never yields a valid report."""

from __future__ import annotations

import hashlib

from schemas.artifacts import Artifact
from validators.ruleset import RuleSet, Stage
from validators.stages import schematron

TERMINATING_XSLT = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/"><xsl:message terminate="yes">rule set exploded</xsl:message></xsl:template>
</xsl:stylesheet>"""


def test_xslt_runtime_error_is_an_error_stage(tmp_path):
    path = tmp_path / "boom.xslt"
    path.write_text(TERMINATING_XSLT)
    artifact = Artifact(
        name="boom",
        version="0",
        kind="xslt",
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        source="test",
    )
    result = schematron.run("boom", artifact, "<Invoice/>")
    assert result.outcome == "error"
    assert "boom" in (result.detail or "")
    assert not result.ran


def test_report_with_an_error_stage_is_not_valid(tmp_path, monkeypatch):
    import validators
    from validators import ruleset

    path = tmp_path / "boom.xslt"
    path.write_text(TERMINATING_XSLT)
    # A profile whose second stage is a broken rule set, registered as data.
    broken = RuleSet(
        id="test:boom:0",
        profile="boom",
        syntax="ubl-invoice",
        stages=(
            Stage("xsd", "xsd", "ubl-invoice-xsd"),
            Stage("boom", "schematron", "no-such-artifact"),
        ),
    )
    monkeypatch.setattr(ruleset, "RULE_SETS", (broken,))
    report = validators.validate(
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>', profile="boom"
    )
    assert not report.valid
    assert [r.outcome for r in report.results][1] == "error"
