"""Stage: XML Schema validation with lxml (UBL 2.1, CII D16B).

Each schema is compiled once per process; ``XMLSchema.validate`` is safe to call
from several threads on distinct documents, but the error log is per call only
under a lock, so validation of one schema is serialised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sized
from functools import cache
from itertools import islice
from typing import Any, cast

from lxml import etree

from schemas.artifacts import Artifact
from validators.report import MAX_FINDINGS, ArtifactRef, Finding, StageResult


@cache
def _compiled(path: str) -> tuple[etree.XMLSchema, threading.Lock]:
    # The schema files come from a pinned artifact, so a plain parser may read
    # their imports; network access stays off.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = etree.XMLSchema(etree.parse(path, parser=parser))
    return schema, threading.Lock()


def run(
    stage_id: str, artifact: Artifact, tree: etree._ElementTree, *, limit: int = MAX_FINDINGS
) -> StageResult:
    """Validates a parsed document against an XSD artifact, keeping at most ``limit`` findings."""
    started = time.perf_counter()
    schema, lock = _compiled(str(artifact.path))
    total = 0
    with lock:
        ok = schema.validate(tree)
        errors: list[Any] = []
        if not ok:
            log = schema.error_log
            total = len(cast(Sized, log))
            errors = list(islice(cast(Iterable[Any], log), max(limit, 0)))
    findings = tuple(
        Finding(
            rule_id="XSD",
            severity="fatal",
            location=error.path or f"line {error.line}",
            message=f"line {error.line}: {error.message}",
            stage=stage_id,
        )
        for error in errors
    )
    return StageResult(
        stage=stage_id,
        outcome="valid" if ok else "invalid",
        findings=findings,
        duration=time.perf_counter() - started,
        artifact=ArtifactRef(artifact.name, artifact.version, artifact.sha256),
        truncated=total - len(findings) if total > len(findings) else 0,
    )
