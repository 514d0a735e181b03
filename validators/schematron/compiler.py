"""ISO Schematron (ISO/IEC 19757-3, queryBinding xslt2/xslt3) compiled to an XSLT 3.0 stylesheet emitting SVRL.

The output follows the semantics of the ISO reference skeleton, so that its
findings (rule id, flag, location) are the same as those of the officially
compiled rule sets:

* ``sch:include`` is replaced by the included element (relative to the including file);
* abstract patterns are instantiated for each ``is-a`` pattern by replacing
  ``$param`` in the context, test, select, value and path attributes;
* abstract rules are inlined where ``sch:extends`` names them;
* ``sch:let`` becomes ``xsl:variable`` (schema and pattern level: global; rule level:
  inside the rule's template, evaluated in the rule's context);
* foreign ``xsl:function``, ``xsl:key`` and ``xsl:include`` elements are copied to the stylesheet;
* each pattern is one mode; its rules are templates with descending priorities in
  document order, so a node is handled by the first matching rule of a pattern only;
* ``sch:value-of``, ``sch:name``, diagnostics, phases, ``flag``/``id``/``role`` are supported;
* locations are written as ``/*:Invoice[namespace-uri()='…'][1]/…``, like the skeleton.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from validators.schematron.errors import SchematronError
from validators.schematron.fast import (
    ATTRIBUTE_KEY,
    context_select,
    hash_code_lists,
    index_attribute_scans,
)

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"
_V = f"{{{SVRL}}}"

#: The compiler's version; cache keys and fast-form verdicts also hash this
#: module's and ``fast.py``'s code, so any change rebuilds and needs a new verdict.
COMPILER_VERSION = "3"

_MACRO_ATTRIBUTES = ("context", "test", "select", "value", "path", "subject")
_NAME_CHAR = r"[\w.\-]"


@dataclass(frozen=True)
class CompiledSchematron:
    """A compiled rule set: the XSLT text and the hash of every source file it came from."""

    xslt: str
    source_sha256: str
    schema_title: str
    query_binding: str


def _parse(path: Path) -> etree._Element:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
        return etree.parse(str(path), parser=parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchematronError(f"cannot read the Schematron file {path}: {exc}") from exc


def _resolve_includes(
    element: etree._Element, base: Path, sources: dict[Path, bytes], depth: int = 0
) -> None:
    """Replaces every ``sch:include`` below ``element`` with the included element (recursively)."""
    if depth > 20:
        raise SchematronError(f"sch:include nests too deep at {base}")
    for include in list(element.iter(f"{_S}include")):
        href = include.get("href") or ""
        target = (base.parent / href).resolve()
        sources[target] = target.read_bytes() if target.is_file() else b""
        included = _parse(target)
        _resolve_includes(included, target, sources, depth + 1)
        parent = include.getparent()
        if parent is None:
            raise SchematronError("sch:include cannot be the root element")
        index = parent.index(include)
        parent.remove(include)
        # An included schema contributes its children; any other element itself.
        pieces = list(included) if included.tag == f"{_S}schema" else [included]
        for offset, piece in enumerate(pieces):
            parent.insert(index + offset, piece)


def _macro_pattern(params: dict[str, str]) -> re.Pattern[str] | None:
    if not params:
        return None
    # Longest names first, and only whole names: $BR-CO-1 must not eat into $BR-CO-10.
    names = "|".join(re.escape(n) for n in sorted(params, key=len, reverse=True))
    return re.compile(rf"\$({names})(?!{_NAME_CHAR})")


def _substitute(text: str, params: dict[str, str], pattern: re.Pattern[str] | None) -> str:
    """Replaces ``$name`` macros of an abstract pattern's parameters in one pass.

    >>> _substitute("$BR-1 and $BR-10", {"BR-1": "a", "BR-10": "b"}, _macro_pattern({"BR-1": "a", "BR-10": "b"}))
    'a and b'
    """
    if pattern is None:
        return text
    return pattern.sub(lambda match: params[match.group(1)], text)


def _parent(element: etree._Element) -> etree._Element:
    parent = element.getparent()
    if parent is None:
        raise SchematronError(f"{element.tag} cannot be the root element here")
    return parent


def _instantiate(schema: etree._Element) -> None:
    """Expands abstract patterns (``is-a``) and abstract rules (``extends``) in place."""
    abstract_patterns = {
        p.get("id"): p for p in schema.iter(f"{_S}pattern") if p.get("abstract") == "true"
    }
    for pattern in list(schema.iter(f"{_S}pattern")):
        base_id = pattern.get("is-a")
        if not base_id:
            continue
        template = abstract_patterns.get(base_id)
        if template is None:
            raise SchematronError(
                f"pattern {pattern.get('id')} is-a {base_id}, which is not an abstract pattern"
            )
        params = {p.get("name", ""): p.get("value", "") for p in pattern.findall(f"{_S}param")}
        macro = _macro_pattern(params)
        for param in pattern.findall(f"{_S}param"):
            pattern.remove(param)
        for child in template:
            clone = copy.deepcopy(child)
            for node in clone.iter():
                for attribute in _MACRO_ATTRIBUTES:
                    if attribute in node.attrib:
                        node.set(attribute, _substitute(node.get(attribute, ""), params, macro))
            pattern.append(clone)
        del pattern.attrib["is-a"]
    for pattern in abstract_patterns.values():
        _parent(pattern).remove(pattern)
    abstract_rules = {
        r.get("id"): r for r in schema.iter(f"{_S}rule") if r.get("abstract") == "true"
    }
    for extends in list(schema.iter(f"{_S}extends")):
        rule = abstract_rules.get(extends.get("rule"))
        if rule is None:
            raise SchematronError(f"sch:extends names unknown abstract rule {extends.get('rule')}")
        parent = _parent(extends)
        index = parent.index(extends)
        parent.remove(extends)
        for offset, child in enumerate(copy.deepcopy(list(rule))):
            parent.insert(index + offset, child)
    for rule in abstract_rules.values():
        _parent(rule).remove(rule)


def _namespaces(schema: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in schema.iter():
        if not isinstance(element.tag, str):
            continue
        for prefix, uri in element.nsmap.items():
            if prefix and uri not in (SCH, XSL) and prefix not in ("xsl", "svrl", "sch"):
                found.setdefault(prefix, uri)
    for ns in schema.iter(f"{_S}ns"):
        found[ns.get("prefix", "")] = ns.get("uri", "")
    found.setdefault("xs", "http://www.w3.org/2001/XMLSchema")
    return found


def _active_patterns(schema: etree._Element, phase: str | None) -> list[etree._Element]:
    patterns = [p for p in schema.iter(f"{_S}pattern") if p.get("abstract") != "true"]
    chosen = phase or schema.get("defaultPhase")
    if not chosen or chosen == "#ALL":
        return patterns
    phases = {p.get("id", ""): p for p in schema.iter(f"{_S}phase")}
    if chosen not in phases:
        raise SchematronError(f"unknown phase {chosen!r}; phases: {', '.join(sorted(phases))}")
    active = [a.get("pattern") for a in phases[chosen].findall(f"{_S}active")]
    return [p for p in patterns if p.get("id") in active]


class _Writer:
    """Builds the XSLT tree."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.root = etree.Element(
            f"{_X}stylesheet",
            nsmap={"xsl": XSL, "svrl": SVRL, **namespaces},
            version="3.0",
        )
        self.root.set("exclude-result-prefixes", " ".join(p for p in namespaces if p))
        etree.SubElement(self.root, f"{_X}output", method="xml", indent="no", encoding="UTF-8")

    def add(self, parent: etree._Element, instruction: str, **attributes: str) -> etree._Element:
        element = etree.SubElement(parent, f"{_X}{instruction}")
        for key, value in attributes.items():
            element.set(key.rstrip("_"), value)
        return element

    def variable(self, parent: etree._Element, let: etree._Element) -> None:
        variable = self.add(parent, "variable", name=let.get("name", ""))
        if let.get("value") is not None:
            variable.set("select", let.get("value", ""))
        else:
            for child in let:
                variable.append(copy.deepcopy(child))

    def attribute(self, parent: etree._Element, name: str, value: str) -> None:
        self.add(parent, "attribute", name=name).text = value

    def location_templates(self) -> None:
        """The skeleton's full-path location: ``/*:local[namespace-uri()='uri'][n]`` steps."""
        element = self.add(self.root, "template", match="*", mode="egw-location")
        self.add(element, "apply-templates", select="parent::*", mode="egw-location")
        self.add(element, "text").text = "/"
        choose = self.add(element, "choose")
        when = self.add(choose, "when", test="namespace-uri()=''")
        self.add(when, "value-of", select="name()")
        otherwise = self.add(choose, "otherwise")
        self.add(otherwise, "text").text = "*:"
        self.add(otherwise, "value-of", select="local-name()")
        self.add(otherwise, "text").text = "[namespace-uri()='"
        self.add(otherwise, "value-of", select="namespace-uri()")
        self.add(otherwise, "text").text = "']"
        self.add(element, "text").text = "["
        self.add(
            element,
            "value-of",
            select="1 + count(preceding-sibling::*[local-name()=local-name(current()) and namespace-uri()=namespace-uri(current())])",
        )
        self.add(element, "text").text = "]"
        attribute = self.add(self.root, "template", match="@*", mode="egw-location")
        self.add(attribute, "apply-templates", select="parent::*", mode="egw-location")
        self.add(attribute, "text").text = "/"
        choose = self.add(attribute, "choose")
        when = self.add(choose, "when", test="namespace-uri()=''")
        self.add(when, "text").text = "@"
        self.add(when, "value-of", select="name()")
        otherwise = self.add(choose, "otherwise")
        self.add(otherwise, "text").text = "@*[local-name()='"
        self.add(otherwise, "value-of", select="local-name()")
        self.add(otherwise, "text").text = "' and namespace-uri()='"
        self.add(otherwise, "value-of", select="namespace-uri()")
        self.add(otherwise, "text").text = "']"
        self.add(self.root, "template", match="/", mode="egw-location")


def _message(w: _Writer, target: etree._Element, source: etree._Element) -> None:
    """Copies an assertion's text, turning ``sch:value-of`` and ``sch:name`` into XSLT."""
    if source.text:
        w.add(target, "text").text = source.text
    for child in source:
        if child.tag == f"{_S}value-of":
            w.add(target, "value-of", select=child.get("select", ""))
        elif child.tag == f"{_S}name":
            w.add(target, "value-of", select=f"name({child.get('path', '.')})")
        elif isinstance(child.tag, str):
            _message(w, target, child)  # emph, dir, span: keep their text
        if child.tail:
            w.add(target, "text").text = child.tail


def _assertion(
    w: _Writer,
    template: etree._Element,
    check: etree._Element,
    rule: etree._Element,
    diagnostics: dict[str, etree._Element],
) -> None:
    is_assert = check.tag == f"{_S}assert"
    test = check.get("test", "")
    if is_assert:
        choose = w.add(template, "choose")
        w.add(choose, "when", test=test)
        holder = w.add(choose, "otherwise")
        output = etree.SubElement(holder, f"{_V}failed-assert")
    else:
        holder = w.add(template, "if", test=test)
        output = etree.SubElement(holder, f"{_V}successful-report")
    w.attribute(output, "test", test)
    for name in ("id", "role"):
        if check.get(name):
            w.attribute(output, name, check.get(name, ""))
    flag = check.get("flag") or rule.get("flag")
    if flag:
        w.attribute(output, "flag", flag)
    location = w.add(output, "attribute", name="location")
    w.add(
        location,
        "apply-templates",
        select=check.get("subject") or rule.get("subject") or ".",
        mode="egw-location",
    )
    text = etree.SubElement(output, f"{_V}text")
    _message(w, text, check)
    for reference in (check.get("diagnostics") or "").split():
        diagnostic = diagnostics.get(reference)
        element = etree.SubElement(output, f"{_V}diagnostic-reference", diagnostic=reference)
        if diagnostic is not None:
            _message(w, element, diagnostic)


def _fast_rewrites(schema: etree._Element) -> dict[str, str]:
    """Rewrites code-list and attribute scans in every test and let; returns the maps needed."""
    maps: dict[str, str] = {}
    for element in schema.iter(f"{_S}assert", f"{_S}report", f"{_S}let"):
        for attribute in ("test", "value"):
            if attribute in element.attrib:
                rewritten = hash_code_lists(element.get(attribute, ""), maps)
                element.set(attribute, index_attribute_scans(rewritten))
    return maps


def _compile_tree(schema: etree._Element, phase: str | None, *, fast: bool) -> str:
    maps = _fast_rewrites(schema) if fast else {}
    namespaces = _namespaces(schema)
    w = _Writer(namespaces)
    # Foreign XSLT at schema level (functions, keys, includes) goes to the top level.
    for element in schema:
        if isinstance(element.tag, str) and element.tag.startswith(_X):
            w.root.append(copy.deepcopy(element))
    for name, constructor in maps.items():
        w.add(w.root, "variable", name=name, select=constructor)
    if fast:
        w.add(
            w.root, "key", name=ATTRIBUTE_KEY, match="@*[namespace-uri() = '']", use="local-name()"
        )
    for let in schema.findall(f"{_S}let"):
        w.variable(w.root, let)
    patterns = _active_patterns(schema, phase)
    for pattern in patterns:
        for let in pattern.findall(f"{_S}let"):
            w.variable(w.root, let)
    diagnostics = {d.get("id", ""): d for d in schema.iter(f"{_S}diagnostic")}
    w.location_templates()

    main = w.add(w.root, "template", match="/")
    output = etree.SubElement(main, f"{_V}schematron-output")
    output.set("title", schema.findtext(f"{_S}title") or "")
    output.set("schemaVersion", schema.get("schemaVersion", ""))
    for prefix, uri in namespaces.items():
        etree.SubElement(output, f"{_V}ns-prefix-in-attribute-values", prefix=prefix, uri=uri)
    targets = [_targets(p) if fast else None for p in patterns]
    for number, pattern in enumerate(patterns, start=1):
        active = etree.SubElement(output, f"{_V}active-pattern")
        active.set("id", pattern.get("id") or f"pattern-{number}")
        active.set(
            "name", pattern.get("id") or pattern.findtext(f"{_S}title") or f"pattern-{number}"
        )
        w.add(output, "apply-templates", select=targets[number - 1] or "/", mode=f"M{number}")

    for number, pattern in enumerate(patterns, start=1):
        mode = f"M{number}"
        rules = pattern.findall(f"{_S}rule")
        walk = targets[number - 1] is None
        for index, rule in enumerate(rules):
            # Descending priorities: the first rule of a pattern that matches a node wins.
            template = w.add(
                w.root,
                "template",
                match=rule.get("context", ""),
                mode=mode,
                priority=str(1000 + len(rules) - index),
            )
            # No svrl:fired-rule: nothing reads it, and on a 5,000-line invoice it is
            # most of the SVRL that Saxon writes and we parse (issue 14).
            for child in rule:
                if child.tag == f"{_S}let":
                    w.variable(template, child)
                elif child.tag in (f"{_S}assert", f"{_S}report"):
                    _assertion(w, template, child, rule, diagnostics)
            if walk:
                w.add(template, "apply-templates", select="@*|*", mode=mode)
        w.add(w.root, "template", match="text()", mode=mode, priority="-1")
        # Targeted: only rule contexts are selected, so the fallback never recurses
        # (and, being empty, keeps the built-in rules from copying text).
        fallback = w.add(w.root, "template", match="@*|node()", mode=mode, priority="-2")
        if walk:
            w.add(fallback, "apply-templates", select="@*|*", mode=mode)
    return etree.tostring(w.root, encoding="unicode", pretty_print=True)


def _targets(pattern: etree._Element) -> str | None:
    """The select of every node a pattern's rules match, or None to walk the whole tree."""
    selects = [context_select(rule.get("context", "")) for rule in pattern.findall(f"{_S}rule")]
    if not selects or any(s is None for s in selects):
        return None
    return " | ".join(dict.fromkeys(f"({s})" for s in selects if s))


def compile_schematron(
    path: Path | str, *, phase: str | None = None, fast: bool = False
) -> CompiledSchematron:
    """Compiles an ISO Schematron file (with its includes) into an XSLT 3.0 stylesheet.

    ``fast`` applies the rewrites of :mod:`validators.schematron.fast` (targeted
    contexts, hashed code lists); without it the output is the skeleton's form.

    Raises:
        SchematronError: Unreadable files, an unsupported query binding, a broken
            abstract pattern reference or an unknown phase.
    """
    source = Path(path).resolve()
    sources: dict[Path, bytes] = {source: source.read_bytes() if source.is_file() else b""}
    schema = _parse(source)
    if schema.tag != f"{_S}schema":
        raise SchematronError(f"{source} is not an ISO Schematron schema (root {schema.tag})")
    binding = (schema.get("queryBinding") or "xslt2").lower()
    if binding not in ("xslt2", "xslt3", "xpath2", "xpath3", "xpath31"):
        raise SchematronError(f"query binding {binding!r} is not supported (xslt2 and xslt3 are)")
    _resolve_includes(schema, source, sources)
    _instantiate(schema)
    xslt = _compile_tree(schema, phase, fast=fast)
    digest = hashlib.sha256(_key_prefix(phase, fast))
    for file in sorted(sources):
        digest.update(str(file.name).encode() + hashlib.sha256(sources[file]).digest())
    return CompiledSchematron(
        xslt=xslt,
        source_sha256=digest.hexdigest(),
        schema_title=schema.findtext(f"{_S}title") or "",
        query_binding=binding,
    )


def _cache_root() -> Path:
    configured = os.environ.get("EGW_CACHE_DIR")
    if configured:
        return Path(configured) / "schematron"
    return (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "einvoice-gateway"
        / "schematron"
    )


@cache
def _code_digest() -> str:
    """The hash of the compiler's own code: a changed compiler never reuses old output."""
    digest = hashlib.sha256()
    for module in ("compiler.py", "fast.py"):
        digest.update(Path(__file__).with_name(module).read_bytes())
    return digest.hexdigest()


def _key_prefix(phase: str | None, fast: bool) -> bytes:
    form = "fast" if fast else "original"
    return f"{COMPILER_VERSION}|{_code_digest()}|{phase or ''}|{form}".encode()


def sources_digest(path: Path, *, phase: str | None = None, fast: bool = False) -> str:
    """The cache key without compiling: hashes of the file and (recursively) its includes."""
    digest = hashlib.sha256(_key_prefix(phase, fast))
    seen: dict[Path, bytes] = {}

    def visit(file: Path) -> None:
        if file in seen or not file.is_file():
            return
        seen[file] = file.read_bytes()
        for href in re.findall(rb'<(?:\w+:)?include\s[^>]*href="([^"]+)"', seen[file]):
            visit((file.parent / href.decode()).resolve())

    visit(path.resolve())
    for file in sorted(seen):
        digest.update(str(file.name).encode() + hashlib.sha256(seen[file]).digest())
    return digest.hexdigest()


def compiled_xslt_path(
    path: Path | str,
    *,
    cache_dir: Path | None = None,
    phase: str | None = None,
    fast: bool = False,
) -> Path:
    """The compiled stylesheet of a Schematron file, from the disk cache or compiled into it.

    The cache key is the SHA-256 of every source file (and the compiler version and
    phase), so a changed rule set is compiled afresh; the file is written atomically.
    """
    source = Path(path)
    folder = cache_dir or _cache_root()
    target = folder / f"{sources_digest(source, phase=phase, fast=fast)}.xslt"
    if target.is_file():
        return target
    compiled = compile_schematron(source, phase=phase, fast=fast)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".xslt")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(compiled.xslt)
    os.replace(temporary, target)
    return target
