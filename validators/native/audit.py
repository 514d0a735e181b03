"""The official audit of native judgements: a sampled fraction re-validated by Saxon, off the request path.

Every draft judged natively is offered to :meth:`OfficialAudit.offer`; a
configurable fraction of them goes onto a queue that one background thread
drains, running the official rule set (Saxon) over the same bytes and comparing
the findings (rule id, severity, location) of the Schematron stages. A
disagreement is an alarm: logged at ERROR with the record id, the document's
SHA-256 and the rule ids that differ (never document content), counted, and
handed to ``on_disagreement`` (the gateway stores it as an audit event).
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from validators import validate
from validators.report import Report

log = logging.getLogger("egw.validation.audit")

Key = tuple[str, str, str]  # rule id, severity, location


@dataclass(frozen=True)
class Disagreement:
    """Native and official findings differ for one document (ids and hashes only)."""

    record_id: str | None
    document_sha256: str
    native_only: tuple[str, ...]
    official_only: tuple[str, ...]
    official_error: bool = False

    @property
    def detail(self) -> str:
        """One line for the audit trail: rule ids and the document hash, no values."""
        if self.official_error:
            return f"official engine could not judge; document_sha256={self.document_sha256}"
        return (
            f"native only: {', '.join(self.native_only) or 'none'}; "
            f"official only: {', '.join(self.official_only) or 'none'}; "
            f"document_sha256={self.document_sha256}"
        )


def schematron_findings(report: Report) -> Counter[Key]:
    """The Schematron findings of a report (the XSD stage runs the same way for both engines)."""
    return Counter(
        (f.rule_id, f.severity, f.location)
        for result in report.results
        if result.stage != "xsd"
        for f in result.findings
    )


def compare(document: bytes, native: Report, record_id: str | None) -> Disagreement | None:
    """Runs the official engine over the document and compares it with the native report."""
    official = validate(document, profile=native.profile)
    if official.not_checked:
        return Disagreement(record_id, native.document_sha256, (), (), official_error=True)
    ours, theirs = schematron_findings(native), schematron_findings(official)
    if ours == theirs:
        return None
    return Disagreement(
        record_id,
        native.document_sha256,
        tuple(sorted({k[0] for k in ours - theirs})),
        tuple(sorted({k[0] for k in theirs - ours})),
    )


@dataclass(frozen=True)
class _Job:
    document: bytes
    report: Report
    record_id: str | None


class OfficialAudit:
    """Samples native judgements and re-validates them with Saxon on a background thread."""

    def __init__(
        self,
        fraction: float,
        *,
        on_disagreement: Callable[[Disagreement], None] | None = None,
        sample: Callable[[], float] = random.random,
    ) -> None:
        self.fraction = fraction
        self.on_disagreement = on_disagreement
        self._sample = sample
        self._queue: queue.Queue[_Job] = queue.Queue(maxsize=1000)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def offer(self, document: bytes, report: Report, record_id: str | None) -> bool:
        """Queues a native judgement for the official audit when it is sampled; never blocks."""
        if report.engine == "official" or self.fraction <= 0 or self._sample() >= self.fraction:
            return False
        try:
            self._queue.put_nowait(_Job(document, report, record_id))
        except queue.Full:  # the audit is a sample: dropping one under overload is fine
            self.counts["dropped"] += 1
            return False
        self._start()
        return True

    def drain(self, timeout: float = 60.0) -> None:
        """Waits until every queued document was audited (tests, shutdown)."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        done.wait(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="egw-official-audit", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._audit(job)
            finally:
                self._queue.task_done()

    def _audit(self, job: _Job) -> None:
        try:
            found = compare(job.document, job.report, job.record_id)
        except Exception as exc:  # noqa: BLE001 - the audit must never take the worker down
            self.counts["errors"] += 1
            # The type only: an engine's message may quote the document.
            log.error("official audit failed for record %s: %s", job.record_id, type(exc).__name__)
            return
        self.counts["checked"] += 1
        if found is None:
            return
        self.counts["disagreements"] += 1
        log.error(
            "native and official validation disagree on record %s: %s",
            job.record_id,
            found.detail,
        )
        if self.on_disagreement is not None:
            try:
                self.on_disagreement(found)
            except Exception as exc:  # noqa: BLE001 - storing the alarm failed; the log line stands
                log.error("could not store the official audit disagreement: %s", type(exc).__name__)
