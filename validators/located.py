"""Problems on a rendered draft: each fatal finding named by draft field, business term and rule.

The report speaks XML (locations in the generated document, official texts that
may be German); an ERP integrator needs the draft field to change. This turns a
report into :class:`~schemas.errors.Problem` values through ``schemas.locate``,
keeping the official text and location as extra fields.
"""

from __future__ import annotations

from schemas.errors import Problem
from schemas.locate import Syntax, locate
from schemas.xml_input import parse_xml
from validators.report import Report


def problems_on_draft(report: Report, document: bytes) -> list[Problem]:
    """One problem per fatal finding of a report on a document rendered from a draft."""
    syntax: Syntax = "cii" if report.syntax == "cii" else "ubl"
    tree = parse_xml(document)
    problems: list[Problem] = []
    for finding in report.fatal:
        located = locate(
            finding.rule_id, finding.location, finding.message, syntax=syntax, tree=tree
        )
        problems.append(
            Problem(
                field=located.field or located.business_term or finding.location,
                message=located.message,
                rule=finding.rule_id,
                business_term=located.business_term,
                official_message=finding.message,
                location=finding.location,
            )
        )
    return problems
