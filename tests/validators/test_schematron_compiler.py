"""The Schematron compiler on small, hand-written rule sets: each feature the official sets use."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from schemas.artifacts import Artifact
from validators.schematron import SchematronError, compile_schematron, compiled_xslt_path
from validators.stages import schematron

HEAD = '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2" xmlns:u="utils">'


def _run(
    tmp_path: Path,
    schema: str,
    document: str,
    *,
    phase: str | None = None,
    files: dict[str, str] | None = None,
):
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    source = tmp_path / "rules.sch"
    source.write_text(schema)
    compiled = compile_schematron(source, phase=phase)
    xslt = tmp_path / f"rules-{phase}.xslt"
    xslt.write_text(compiled.xslt)
    artifact = Artifact(
        "t", "1", "xslt", xslt, hashlib.sha256(xslt.read_bytes()).hexdigest(), "test"
    )
    result = schematron.run("t", artifact, document)
    assert result.outcome != "error", result.detail
    return result.findings


def test_abstract_pattern_parameters_replace_whole_names_only(tmp_path):
    schema = (
        HEAD
        + """
      <pattern abstract="true" id="abs"><rule context="$ctx">
        <assert id="R-1" flag="fatal" test="$T-1">one</assert>
        <assert id="R-10" flag="warning" test="$T-10">ten</assert>
      </rule></pattern>
      <pattern is-a="abs" id="inst"><param name="ctx" value="a"/><param name="T-1" value="false()"/><param name="T-10" value="true()"/></pattern>
    </schema>"""
    )
    findings = _run(tmp_path, schema, "<a/>")
    assert [(f.rule_id, f.severity) for f in findings] == [("R-1", "fatal")]


def test_first_matching_rule_of_a_pattern_wins(tmp_path):
    schema = (
        HEAD
        + """<pattern>
        <rule context="b[@special]"><report id="SPECIAL" test="true()">special</report></rule>
        <rule context="b"><report id="GENERAL" test="true()">general</report></rule>
      </pattern></schema>"""
    )
    findings = _run(tmp_path, schema, "<a><b special='1'/><b/></a>")
    assert sorted(f.rule_id for f in findings) == ["GENERAL", "SPECIAL"]


def test_lets_at_every_level_value_of_and_name(tmp_path):
    schema = (
        HEAD
        + """<let name="total" value="count(//b)"/>
      <pattern><let name="limit" value="1"/>
        <rule context="b"><let name="mine" value="@n"/>
          <assert id="L" test="$total le $limit">too many: <value-of select="$total"/> at <name/> n=<value-of select="$mine"/></assert>
        </rule></pattern></schema>"""
    )
    findings = _run(tmp_path, schema, "<a><b n='x'/><b n='y'/></a>")
    assert [f.message for f in findings] == ["too many: 2 at b n=x", "too many: 2 at b n=y"]
    assert findings[1].location == "/a[1]/b[2]"


def test_foreign_functions_includes_and_phases(tmp_path):
    schema = (
        HEAD
        + """
      <function xmlns="http://www.w3.org/1999/XSL/Transform" name="u:double" as="xs:integer" xmlns:xs="http://www.w3.org/2001/XMLSchema">
        <param name="v"/><sequence select="2 * xs:integer($v)"/></function>
      <phase id="only-included"><active pattern="included"/></phase>
      <include href="part/included.sch"/>
      <pattern id="main"><rule context="a"><assert id="MAIN" test="false()">main</assert></rule></pattern>
    </schema>"""
    )
    included = '<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="included"><rule context="a"><assert id="INC" test="u:double(@n) = 4">inc</assert></rule></pattern>'
    all_findings = _run(tmp_path, schema, "<a n='3'/>", files={"part/included.sch": included})
    assert sorted(f.rule_id for f in all_findings) == ["INC", "MAIN"]
    phased = _run(tmp_path, schema, "<a n='3'/>", phase="only-included")
    assert [f.rule_id for f in phased] == ["INC"]
    with pytest.raises(SchematronError, match="unknown phase"):
        compile_schematron(tmp_path / "rules.sch", phase="nope")


def test_braces_in_tests_survive(tmp_path):
    schema = (
        HEAD
        + """<pattern><rule context="a"><assert id="RX" test="matches(@v, '^[0-9]{2}$')">two digits</assert></rule></pattern></schema>"""
    )
    assert [f.rule_id for f in _run(tmp_path, schema, "<a v='123'/>")] == ["RX"]
    assert _run(tmp_path, schema, "<a v='12'/>") == ()


def test_disk_cache_is_keyed_by_the_sources(tmp_path):
    source = tmp_path / "rules.sch"
    source.write_text(
        HEAD
        + '<pattern><rule context="a"><assert id="A" test="true()">a</assert></rule></pattern></schema>'
    )
    cache = tmp_path / "cache"
    first = compiled_xslt_path(source, cache_dir=cache)
    assert compiled_xslt_path(source, cache_dir=cache) == first
    source.write_text(source.read_text().replace('id="A"', 'id="B"'))
    second = compiled_xslt_path(source, cache_dir=cache)
    assert second != first and "B" in second.read_text()


def test_not_a_schematron_file_is_refused(tmp_path):
    (tmp_path / "x.sch").write_text("<notschematron/>")
    with pytest.raises(SchematronError):
        compile_schematron(tmp_path / "x.sch")
