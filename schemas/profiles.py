"""The profile registry: which specification an e-invoice follows (BT-24) and how it is delivered.

A profile names the CIUS or extension of EN 16931 that a document claims
(its CustomizationID / GuidelineSpecifiedDocumentContextParameter, BT-24), the
business process (BT-23) it sets, the syntaxes it may be written in, and whether
the gateway signs it enveloped (inside the UBL document) or detached (the document
travels unsigned, as Peppol and XRechnung require, and the archive keeps a
detached XAdES signature over its exact bytes). Which rule sets validate a profile
is the business of ``validators``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from schemas.errors import GatewayError, Problem

Syntax = Literal["ubl", "cii"]
SignatureMode = Literal["enveloped", "detached"]

EN16931_ID = "urn:cen.eu:en16931:2017"
PEPPOL_BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass(frozen=True)
class Profile:
    """One output profile.

    Attributes:
        name: The gateway's name for it (``peppol-bis-3``).
        title: Its official title.
        customization_id: BT-24 Specification identifier written by the renderer.
        business_process: BT-23 Business process type written by the renderer, if any.
        syntaxes: The syntaxes it may be written in; the first is the default.
        signature: How the gateway signs documents of this profile.
    """

    name: str
    title: str
    customization_id: str
    business_process: str | None
    syntaxes: tuple[Syntax, ...]
    signature: SignatureMode

    @property
    def default_syntax(self) -> Syntax:
        """The syntax used when a draft names none."""
        return self.syntaxes[0]


_PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="en16931",
            title="EN 16931-1:2017 core invoice",
            customization_id=EN16931_ID,
            business_process=None,
            syntaxes=("ubl", "cii"),
            signature="enveloped",
        ),
        Profile(
            name="peppol-bis-3",
            title="Peppol BIS Billing 3.0",
            customization_id=f"{EN16931_ID}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            business_process=PEPPOL_BILLING_PROCESS,
            syntaxes=("ubl",),
            signature="detached",
        ),
        Profile(
            name="xrechnung-3",
            title="XRechnung 3.0 (CIUS of EN 16931 for German public procurement)",
            customization_id=f"{EN16931_ID}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            business_process=PEPPOL_BILLING_PROCESS,
            syntaxes=("ubl", "cii"),
            signature="detached",
        ),
    )
}


def names() -> list[str]:
    """Lists the names of every known profile.

    >>> names()
    ['en16931', 'peppol-bis-3', 'xrechnung-3']
    """
    return sorted(_PROFILES)


def get(name: str) -> Profile:
    """Returns the profile called ``name``.

    Raises:
        GatewayError: When no profile has that name; the message lists the known ones.

    >>> get("peppol-bis-3").signature
    'detached'
    """
    try:
        return _PROFILES[name]
    except KeyError:
        known = ", ".join(names())
        raise GatewayError(
            f"unknown profile {name!r}",
            problems=[Problem(field="profile", message=f"expected one of: {known}", value=name)],
        ) from None


# XRechnung's BT-24 names its version: 1.x and 2.x under urn:xoev-de:kosit:standard:,
# 3.x under urn:xeinkauf.de:kosit:.
_XRECHNUNG = re.compile(r"(?:xoev-de|xeinkauf\.de):kosit:(?:standard:)?xrechnung_(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Declared:
    """What a document's specification identifier (BT-24) declares, and which profile judges it.

    Attributes:
        customization_id: The identifier as found (stripped).
        profile: The profile whose rule set judges the document, or None when unknown.
        version: The version of the specification it names, when it names one (``2.3``).
        note: Why a document is judged by a profile other than the one it names, if so.
    """

    customization_id: str
    profile: Profile | None
    version: str | None = None
    note: str | None = None


def identify(customization_id: str | None) -> Declared | None:
    """Reads a BT-24 specification identifier: the profile that judges it, and why.

    XRechnung 1.x and 2.x are superseded: XRechnung 3.0 has been the version German
    public buyers accept since 2024-02-01, and the gateway pins only its rule set.
    A 2.x document is judged by the ``xrechnung-3`` rule set, where its older
    identifier draws the warning BR-DE-21 (not fatal) and the 3.0 rules apply.

    >>> declared = identify(
    ...     "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3")
    >>> declared.profile.name, declared.version
    ('xrechnung-3', '2.3')
    >>> identify("urn:example:unknown").profile is None
    True
    """
    if not customization_id or not customization_id.strip():
        return None
    value = customization_id.strip()
    xrechnung = _XRECHNUNG.search(value)
    if xrechnung is not None:
        major, minor = xrechnung.group(1), xrechnung.group(2)
        version = f"{major}.{minor}" if minor is not None else major
        note = None
        if major != "3":
            note = (
                f"XRechnung {version} is superseded (XRechnung 3.0 is in force since 2024-02-01); "
                "the gateway judges it by the XRechnung 3.0 rule set (profile xrechnung-3), "
                "where this identifier draws the warning BR-DE-21"
            )
        return Declared(value, _PROFILES["xrechnung-3"], version, note)
    best: Profile | None = None
    for profile in _PROFILES.values():
        pid = profile.customization_id
        if value == pid or value.startswith(pid + "#"):
            if best is None or len(pid) > len(best.customization_id):
                best = profile
    return Declared(value, best)


def detect(customization_id: str | None) -> Profile | None:
    """Finds the profile whose specification identifier (BT-24) a document declares.

    Extensions of a known profile (a longer identifier that starts with its
    identifier followed by ``#``) map to that profile. Every XRechnung version
    maps to ``xrechnung-3`` (see :func:`identify` for why).

    >>> detect("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0").name
    'peppol-bis-3'
    >>> detect("urn:cen.eu:en16931:2017").name
    'en16931'
    >>> detect("urn:example:unknown") is None
    True
    """
    declared = identify(customization_id)
    return declared.profile if declared else None
