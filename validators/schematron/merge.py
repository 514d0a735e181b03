"""XRechnung 3.0 as KoSIT releases it: its Schematron plus the whitelisted PEPPOL-EN16931 rules.

The XRechnung release build (``build.xml`` target ``merge-peppol-rules-with-xr-rules``)
runs ``src/xsl/peppol-into-xr.xsl`` over the XRechnung ``.sch`` with the Peppol
BIS 3 ``.sch`` and ``src/xsl/rule-list.xml`` (the whitelist) beside it, and ships
the result. We run the same upstream stylesheet, pinned, with Saxon over our pinned
inputs, so the ``xrechnung-3`` profile judges with exactly the rules KoSIT's
validator configuration does (PEPPOL-EN16931-R053, -R054, -R120 among them).

The merged ``.sch`` is derived data: it is written to the cache folder under a key
made of the SHA-256 pins of its three inputs, never into the project or the
artifacts folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Literal

from schemas.artifacts import Artifact
from validators.schematron.compiler import _cache_root
from validators.schematron.errors import SchematronError

MergeSyntax = Literal["UBL", "CII"]

#: Bump when the way the merge is run changes, so cached results are rebuilt.
MERGE_VERSION = "1"

_INCLUDE = re.compile(r'(<(?:\w+:)?include\s[^>]*href=")([^"]+)(")')


def merge_key(xrechnung: Artifact, peppol: Artifact, transform: Artifact, syntax: str) -> str:
    """The cache key (and identity) of one merged rule set: its inputs' pins and the syntax."""
    digest = hashlib.sha256(f"{MERGE_VERSION}|{syntax}".encode())
    for artifact in (xrechnung, peppol, transform):
        digest.update(f"|{artifact.name}={artifact.sha256}".encode())
    return digest.hexdigest()


def _stage(folder: Path, peppol: Artifact, transform: Artifact, syntax: str) -> Path:
    """Lays the pinned inputs out as the upstream build expects them; returns the stylesheet."""
    xsl = folder / "src" / "xsl"
    bis = folder / "build" / "bis"
    xsl.mkdir(parents=True)
    bis.mkdir(parents=True)
    stylesheet = xsl / transform.path.name
    shutil.copyfile(transform.path, stylesheet)
    shutil.copyfile(transform.path.parent / "rule-list.xml", xsl / "rule-list.xml")
    # The stylesheet reads document('../../build/bis/PEPPOL-EN16931-<syntax>.sch').
    shutil.copyfile(peppol.path, bis / f"PEPPOL-EN16931-{syntax}.sch")
    return stylesheet


def merge(
    xrechnung: Artifact, peppol: Artifact, transform: Artifact, *, syntax: MergeSyntax
) -> str:
    """Runs the upstream merge stylesheet and returns the merged Schematron text.

    ``sch:include`` references are made absolute (to the pinned XRechnung folder),
    so the merged file can live anywhere.

    Raises:
        SchematronError: The stylesheet could not run.
    """
    from validators.stages.schematron import _lock, _saxon

    with tempfile.TemporaryDirectory(prefix="egw-xr-merge-") as temporary:
        stylesheet = _stage(Path(temporary), peppol, transform, syntax)
        with _lock:
            processor = _saxon()
            compiled = processor.new_xslt30_processor().compile_stylesheet(
                stylesheet_file=str(stylesheet)
            )
            if compiled is None:
                raise SchematronError(f"Saxon could not compile {transform.name}")
            compiled.set_parameter("syntax", processor.make_string_value(syntax))
            try:
                merged = compiled.transform_to_string(source_file=str(xrechnung.path))
            except Exception as exc:  # noqa: BLE001 - Saxon raises its own API error type
                raise SchematronError(f"the XRechnung merge of {syntax} failed: {exc}") from exc
    if not merged:
        raise SchematronError(f"the XRechnung merge of {syntax} produced nothing")
    base = xrechnung.path.parent
    return _INCLUDE.sub(
        lambda m: m.group(1) + str((base / m.group(2)).resolve()) + m.group(3), str(merged)
    )


def merged_artifact(
    xrechnung: Artifact,
    peppol: Artifact,
    transform: Artifact,
    *,
    syntax: MergeSyntax,
    cache_dir: Path | None = None,
) -> Artifact:
    """The merged rule set as an artifact (a ``.sch`` in the cache), built on first use."""
    key = merge_key(xrechnung, peppol, transform, syntax)
    folder = (cache_dir or _cache_root()).parent / "xrechnung-merged"
    target = folder / f"{key}.sch"
    if not target.is_file():
        text = merge(xrechnung, peppol, transform, syntax=syntax)
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".sch")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    return Artifact(
        name=f"{xrechnung.name}+{peppol.name}",
        version=f"{xrechnung.version}+peppol-{peppol.version}",
        kind="sch",
        path=target,
        sha256=key,
        source=f"{xrechnung.source} merged by {transform.source}",
    )
