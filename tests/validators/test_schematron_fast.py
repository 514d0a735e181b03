"""The fast form of a compiled rule set reports exactly what the original form does.

Hand-written rule sets aimed at the edges of each rewrite: first matching rule per
pattern, contexts that must keep the tree walk, code lists with spaces, empty
values, line breaks and values that span two codes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from schemas.artifacts import Artifact
from validators.schematron import compile_schematron
from validators.schematron.verdict import Verdict, chosen_form, recorded, render
from validators.stages import schematron

HEAD = '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'


def _artifact(tmp_path: Path, schema: str, *, fast: bool) -> tuple[Artifact, str]:
    source = tmp_path / "rules.sch"
    source.write_text(HEAD + schema + "</schema>")
    xslt_text = compile_schematron(source, fast=fast).xslt
    xslt = tmp_path / f"rules-{fast}.xslt"
    xslt.write_text(xslt_text)
    digest = hashlib.sha256(xslt_text.encode()).hexdigest()
    return Artifact("t", "1", "xslt", xslt, digest, "test"), xslt_text


def _both(tmp_path: Path, schema: str, document: str) -> tuple[list[tuple[str, str]], str]:
    """Findings (rule id, location) of both forms, asserted equal; and the fast XSLT."""
    results = []
    fast_text = ""
    for fast in (False, True):
        artifact, text = _artifact(tmp_path, schema, fast=fast)
        fast_text = text if fast else fast_text
        result = schematron.run("t", artifact, document, form="original")
        assert result.outcome != "error", result.detail
        results.append(sorted((f.rule_id, f.location) for f in result.findings))
    assert results[0] == results[1]
    return results[1], fast_text


def test_first_matching_rule_per_pattern_still_wins(tmp_path):
    schema = """<pattern>
      <rule context="b[@special]"><report id="SPECIAL" test="true()">s</report></rule>
      <rule context="a/b"><report id="CHILD" test="true()">c</report></rule>
      <rule context="@n"><report id="ATTR" test="true()">n</report></rule>
    </pattern><pattern><rule context="/"><report id="ROOT" test="true()">r</report></rule></pattern>"""
    findings, text = _both(tmp_path, schema, "<a n='1'><b special='1'/><b/><c><b/></c></a>")
    assert findings == [
        ("ATTR", "/a[1]/@n"),
        ("CHILD", "/a[1]/b[2]"),
        ("ROOT", ""),
        ("SPECIAL", "/a[1]/b[1]"),
    ]
    assert 'select="(//b[@special]) | (//a/b) | (//@n)"' in text


def test_an_error_in_a_context_predicate_is_no_match_in_both_forms(tmp_path):
    # XSLT: a dynamic error while matching a pattern means the node does not match.
    schema = """<let name="countries" value="//c/string()"/>
      <pattern><rule context="b[$countries = 'X'][$countries]"><report id="R" test="true()">r</report></rule>
      <rule context="b"><report id="B" test="true()">b</report></rule></pattern>"""
    findings, _ = _both(tmp_path, schema, "<a><c>X</c><c>Y</c><b/></a>")
    assert findings == [("B", "/a[1]/b[1]")]


@pytest.mark.parametrize("context", ["text()", "b[current()/@x]", "key('k', 'v')"])
def test_contexts_that_are_not_plain_paths_keep_the_walk(tmp_path, context):
    schema = f"""<xsl:key xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="k" match="b" use="'v'"/>
      <pattern><rule context="{context}"><report id="R" test="true()">r</report></rule></pattern>"""
    _, text = _both(tmp_path, schema, "<a x='1'><b x='1'>t</b></a>")
    assert 'select="/" mode="M1"' in text


CODES = """<pattern><rule context="v">
  <assert id="LIST" test="contains(' A B C ', concat(' ', ., ' '))">in list</assert>
  <assert id="NORM" test="contains(' A B C ', concat(' ', normalize-space(.), ' '))">normalized</assert>
  <assert id="BREAK" test="contains(' A&#10;B C ', concat(' ', @c, ' '))">line break</assert>
</rule></pattern>"""


@pytest.mark.parametrize("value", ["A", "C", "B", "D", "", "A B", " A ", "B C", "a", "A\tB"])
def test_code_lists_as_maps_keep_the_exact_semantics(tmp_path, value):
    document = f"<r><v c='{value}'>{value}</v></r>"
    findings, text = _both(tmp_path, CODES, document)
    assert "egw_codes_1" in text and "egw_codes_2" in text
    ids = {rule for rule, _ in findings}
    # Reference semantics, spelled out: ' v ' occurs in the list string.
    assert ("LIST" in ids) == (f" {value} " not in " A B C ")
    assert ("NORM" in ids) == (f" {' '.join(value.split())} " not in " A B C ")


def test_code_list_value_of_several_items_is_the_same_error(tmp_path):
    schema = """<pattern><rule context="r">
      <assert id="L" test="contains(' A ', concat(' ', v, ' '))">one</assert></rule></pattern>"""
    for fast in (False, True):
        artifact, _ = _artifact(tmp_path, schema, fast=fast)
        result = schematron.run("t", artifact, "<r><v>A</v><v>B</v></r>", form="original")
        assert result.outcome == "error"


def _verdict(artifact: Artifact, *, form: str = "fast", key: str = "k") -> Verdict:
    return Verdict(artifact.name, artifact.sha256, key, form, 3, 3)  # type: ignore[arg-type]


def test_auto_runs_fast_only_for_the_recorded_original_and_fast_form(tmp_path, monkeypatch):
    artifact = Artifact("rs", "1", "sch", tmp_path / "x.sch", "a" * 64, "test")
    verdicts_file = tmp_path / "fast_forms.toml"
    verdicts_file.write_text(render([_verdict(artifact)]))
    table = recorded(verdicts_file)
    monkeypatch.setattr("validators.schematron.verdict.recorded", lambda: table)
    assert chosen_form(artifact, "k") == "fast"
    assert chosen_form(artifact, "other compiler") == "original"
    assert chosen_form(artifact, None) == "original"
    changed = Artifact("rs", "2", "sch", artifact.path, "b" * 64, "test")
    assert chosen_form(changed, "k") == "original"
    verdicts_file.write_text(render([_verdict(artifact, form="original")]))
    table = recorded.__wrapped__(verdicts_file)
    assert chosen_form(artifact, "k") == "original"


def test_attribute_scans_through_the_key_find_the_same_nodes(tmp_path):
    schema = """<ns prefix="x" uri="urn:x"/><pattern><rule context="/r">
      <assert id="NONE" test="not(//@code)">no code attribute</assert>
      <assert id="TWO" test="count(//@code) = 2">two code attributes</assert>
      <report id="NS" test="exists(//@x:code)">namespaced</report>
    </rule></pattern>"""
    findings, text = _both(tmp_path, schema, "<r xmlns:x='urn:x'><a code='1'/><b x:code='2'/></r>")
    assert "key('egw_attributes', 'code')" in text
    assert [rule for rule, _ in findings] == ["NONE", "NS", "TWO"]
    findings, _ = _both(tmp_path, schema, "<r><a code='1'/><a><b code='2'/></a></r>")
    assert [rule for rule, _ in findings] == ["NONE"]


def test_a_parenthesised_union_with_a_predicate_is_targeted(tmp_path):
    schema = """<let name="on" value="exists(//flag)"/><pattern>
      <rule context="(/r/a | /r/b)[$on]"><report id="AB" test="true()">ab</report></rule></pattern>"""
    findings, text = _both(tmp_path, schema, "<r><a/><b/><c><a/></c><flag/></r>")
    assert findings == [("AB", "/r[1]/a[1]"), ("AB", "/r[1]/b[1]")]
    assert 'select="(/r/a | /r/b)"' in text
    findings, _ = _both(tmp_path, schema, "<r><a/></r>")
    assert findings == []


def test_a_fast_form_that_cannot_be_built_falls_back_to_the_original(tmp_path, monkeypatch):
    source = tmp_path / "rules.sch"
    source.write_text(
        HEAD + '<pattern><rule context="a"><assert id="A" test="false()">a</assert></rule>'
        "</pattern></schema>"
    )
    artifact = Artifact("fallback-test", "1", "sch", source, "f" * 63 + "0", "test")
    monkeypatch.setattr(schematron, "chosen_form", lambda artifact, key: "fast")
    real_source = schematron._xslt_source

    def broken_fast(artifact, form):
        if form == "fast":
            raise OSError("cache folder not writable")
        return real_source(artifact, form)

    monkeypatch.setattr(schematron, "_xslt_source", broken_fast)
    assert schematron.resolve_form(artifact) == "fast"
    result = schematron.run("t", artifact, "<a/>")
    assert result.outcome == "invalid" and [f.rule_id for f in result.findings] == ["A"]
    assert schematron.resolve_form(artifact) == "original"
    with pytest.raises(OSError):
        schematron.executable(artifact, form="fast")  # forced: no silent substitute
