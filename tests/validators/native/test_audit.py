"""The official audit: sampled native judgements re-validated by Saxon; a disagreement is an alarm."""

from __future__ import annotations

import logging

import pytest

from schemas import ubl
from schemas.model import InvoiceDraft
from tax_rules import complete_with_trace
from tests.api.drafts import api_draft
from validators import native
from validators.native import engine, judge
from validators.native.audit import OfficialAudit


@pytest.fixture(scope="module")
def rendered() -> bytes:
    invoice = complete_with_trace(InvoiceDraft.model_validate(api_draft("AUD-1"))).invoice
    return ubl.render(invoice)


def test_agreeing_engines_raise_no_alarm(rendered):
    alarms = []
    audit = OfficialAudit(1.0, on_disagreement=alarms.append)
    report = judge.validate_rendered(rendered, profile="en16931")
    assert audit.offer(rendered, report, "rec-1")
    audit.drain()
    assert audit.counts["checked"] == 1 and audit.counts["disagreements"] == 0
    assert alarms == []


def test_a_planted_wrong_native_rule_is_caught(rendered, monkeypatch, caplog):
    rules = native.native_rules("en16931")
    br_co_10 = next(
        c
        for _, compiled in rules.program.patterns
        for rule in compiled
        for c in rule.xpath2
        if c.assertion.rule_id == "BR-CO-10"
    )
    real_run = engine.run

    def wrong(program, tree, namespaces):
        # BR-CO-10 "fails" on every document: a native rule that is wrong.
        found = real_run(program, tree, namespaces)
        context = tree.getroot().find(
            "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}LegalMonetaryTotal"
        )
        return [*found, (br_co_10.assertion, context)]

    monkeypatch.setattr(native, "run", wrong)
    report = judge.validate_rendered(rendered, profile="en16931")
    assert report.engine == "native" and not report.valid
    alarms = []
    audit = OfficialAudit(1.0, on_disagreement=alarms.append)
    with caplog.at_level(logging.ERROR, logger="egw.validation.audit"):
        audit.offer(rendered, report, "rec-2")
        audit.drain()
    assert audit.counts["disagreements"] == 1
    (alarm,) = alarms
    assert alarm.record_id == "rec-2" and alarm.native_only == ("BR-CO-10",)
    assert alarm.official_only == () and alarm.document_sha256 == report.document_sha256
    (line,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "BR-CO-10" in line.getMessage() and "rec-2" in line.getMessage()
    # Ids and hashes only: nothing of the document (the seller's name) reaches the log.
    seller = api_draft("AUD-1")["seller"]["name"]
    assert seller.encode() in rendered and seller not in line.getMessage()
    assert "<" not in line.getMessage()


def test_only_the_configured_fraction_is_sampled(rendered):
    report = judge.validate_rendered(rendered, profile="en16931")
    draws = iter([0.5, 0.005])
    audit = OfficialAudit(0.01, sample=lambda: next(draws))
    assert not audit.offer(rendered, report, "a")
    assert audit.offer(rendered, report, "b")
    audit.drain()
    assert audit.counts["checked"] == 1
    official = judge.validate_rendered(rendered, profile="en16931", engine="official")
    assert not OfficialAudit(1.0).offer(rendered, official, "c")  # only native judgements


def test_an_overloaded_audit_drops_samples_and_a_failing_one_keeps_working(
    rendered, monkeypatch, caplog
):
    from validators.native import audit as audit_module

    report = judge.validate_rendered(rendered, profile="en16931")
    assert report.engine == "native"
    # Unsampled (fraction 0) and official reports are never queued.
    assert not OfficialAudit(0.0).offer(rendered, report, "rec-0")
    # A full queue drops the sample and counts it; the request is never held up.
    full = OfficialAudit(1.0)
    monkeypatch.setattr(full._queue, "put_nowait", _raise_full)
    assert not full.offer(rendered, report, "rec-3")
    assert full.counts["dropped"] == 1

    # The official engine failing is counted and logged by type only; the worker goes on.
    def broken(document, native_report, record_id):
        raise RuntimeError(f"cannot run over {document[:20]!r}")

    monkeypatch.setattr(audit_module, "compare", broken)
    failing = OfficialAudit(1.0)
    with caplog.at_level(logging.ERROR, logger="egw.validation.audit"):
        assert failing.offer(rendered, report, "rec-4")
        failing.drain()
    assert failing.counts["errors"] == 1 and failing.counts["checked"] == 0
    assert "RuntimeError" in caplog.text and "cannot run over" not in caplog.text

    # Storing the alarm failing leaves the log line and the count.
    monkeypatch.setattr(
        audit_module,
        "compare",
        lambda document, native_report, record_id: audit_module.Disagreement(
            record_id, native_report.document_sha256, ("BR-X",), ()
        ),
    )

    def unstorable(found):
        raise OSError("disk full")

    alarmed = OfficialAudit(1.0, on_disagreement=unstorable)
    with caplog.at_level(logging.ERROR, logger="egw.validation.audit"):
        assert alarmed.offer(rendered, report, "rec-5")
        alarmed.drain()
    assert alarmed.counts["disagreements"] == 1
    assert "could not store the official audit disagreement: OSError" in caplog.text


def _raise_full(job):
    import queue

    raise queue.Full
