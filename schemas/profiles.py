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


def detect(customization_id: str | None) -> Profile | None:
    """Finds the profile whose specification identifier (BT-24) a document declares.

    Extensions of a known profile (a longer identifier that starts with its
    identifier followed by ``#``) map to that profile. XRechnung 2.x/3.x minor
    versions map to ``xrechnung-3``.

    >>> detect("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0").name
    'peppol-bis-3'
    >>> detect("urn:cen.eu:en16931:2017").name
    'en16931'
    >>> detect("urn:example:unknown") is None
    True
    """
    if not customization_id:
        return None
    value = customization_id.strip()
    if "urn:xeinkauf.de:kosit:xrechnung_3" in value:
        return _PROFILES["xrechnung-3"]
    best: Profile | None = None
    for profile in _PROFILES.values():
        pid = profile.customization_id
        if value == pid or value.startswith(pid + "#"):
            if best is None or len(pid) > len(best.customization_id):
                best = profile
    return best
