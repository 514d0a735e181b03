"""Rule sets as values: which official artifacts validate which profile and syntax.

A :class:`RuleSet` is an ordered list of :class:`Stage` values with an id
(``group:artifact:version``) and validity dates; the runner in
``validators.validate`` is one loop over the stages. Adding a profile or a new
rule-set version is a data change here, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from schemas.errors import GatewayError, Problem

StageKind = Literal["xsd", "schematron"]
DocumentSyntax = Literal["ubl-invoice", "ubl-creditnote", "cii"]


@dataclass(frozen=True)
class PeppolMerge:
    """How a release build merges whitelisted Peppol rules into a rule set (XRechnung).

    Attributes:
        transform: The merge stylesheet's artifact name (its whitelist is an include).
        peppol: The Peppol BIS 3 ``.sch`` artifact whose rules are merged in.
        syntax: The stylesheet's ``syntax`` parameter, ``UBL`` or ``CII``.
    """

    transform: str
    peppol: str
    syntax: Literal["UBL", "CII"]


@dataclass(frozen=True)
class Stage:
    """One validation step: an artifact (by manifest name) and how to run it.

    Attributes:
        id: Stable stage id shown in reports (``xsd``, ``en16931``, ``peppol``).
        kind: ``xsd`` or ``schematron``.
        artifact: The artifact's name in ``schemas/artifacts.toml``.
        stop_on_fatal: Whether later stages are skipped when this one finds a fatal error.
        merge: Peppol rules merged into ``artifact`` before it runs, as its release does.
    """

    id: str
    kind: StageKind
    artifact: str
    stop_on_fatal: bool = False
    merge: PeppolMerge | None = None

    @property
    def artifacts(self) -> tuple[str, ...]:
        """Every artifact this stage needs, by manifest name."""
        if self.merge is None:
            return (self.artifact,)
        return (self.artifact, self.merge.peppol, self.merge.transform)


@dataclass(frozen=True)
class RuleSet:
    """An ordered list of stages that together decide whether a document is valid."""

    id: str
    profile: str
    syntax: DocumentSyntax
    stages: tuple[Stage, ...]
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force(self, on: date) -> bool:
        """Whether this rule set applies to documents on ``on``."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


_UBL_XSD = {"ubl-invoice": "ubl-invoice-xsd", "ubl-creditnote": "ubl-creditnote-xsd"}


def _ubl(profile: str, ruleset_id: str, *extra: Stage) -> list[RuleSet]:
    return [
        RuleSet(
            id=ruleset_id,
            profile=profile,
            syntax=syntax,  # type: ignore[arg-type]
            stages=(
                Stage("xsd", "xsd", xsd),
                Stage("en16931", "schematron", "en16931-ubl-xslt"),
                *extra,
            ),
        )
        for syntax, xsd in _UBL_XSD.items()
    ]


def _cii(profile: str, ruleset_id: str, *extra: Stage) -> list[RuleSet]:
    return [
        RuleSet(
            id=ruleset_id,
            profile=profile,
            syntax="cii",
            stages=(
                Stage("xsd", "xsd", "cii-d16b-xsd"),
                Stage("en16931", "schematron", "en16931-cii-sch"),
                *extra,
            ),
        )
    ]


RULE_SETS: tuple[RuleSet, ...] = (
    *_ubl("en16931", "eu.cen.en16931:ubl:1.3.16"),
    *_cii("en16931", "eu.cen.en16931:cii:1.3.16"),
    *_ubl(
        "peppol-bis-3", "eu.peppol.bis3:ubl:3.0.19", Stage("peppol", "schematron", "peppol-ubl-sch")
    ),
    *_cii(
        "peppol-bis-3", "eu.peppol.bis3:cii:3.0.19", Stage("peppol", "schematron", "peppol-cii-sch")
    ),
    *_ubl(
        "xrechnung-3",
        "de.xrechnung:ubl:3.0",
        Stage(
            "xrechnung",
            "schematron",
            "xrechnung-ubl-sch",
            merge=PeppolMerge("xrechnung-peppol-merge-xsl", "peppol-ubl-sch", "UBL"),
        ),
    ),
    *_cii(
        "xrechnung-3",
        "de.xrechnung:cii:3.0",
        Stage(
            "xrechnung",
            "schematron",
            "xrechnung-cii-sch",
            merge=PeppolMerge("xrechnung-peppol-merge-xsl", "peppol-cii-sch", "CII"),
        ),
    ),
)


def ruleset_for(profile: str, syntax: DocumentSyntax, *, on: date | None = None) -> RuleSet:
    """Returns the rule set in force for a profile and document syntax.

    Raises:
        GatewayError: When no rule set covers that profile and syntax on that date.

    >>> ruleset_for("en16931", "ubl-invoice").id
    'eu.cen.en16931:ubl:1.3.16'
    """
    day = on or date.today()
    for ruleset in RULE_SETS:
        if ruleset.profile == profile and ruleset.syntax == syntax and ruleset.in_force(day):
            return ruleset
    known = sorted({r.profile for r in RULE_SETS})
    raise GatewayError(
        f"no rule set for profile {profile!r} and syntax {syntax!r} on {day}",
        problems=[
            Problem(
                field="profile",
                message=f"profiles with rule sets: {', '.join(known)}",
                value=profile,
            )
        ],
    )
