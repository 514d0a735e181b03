import pytest

from schemas import profiles
from schemas.errors import GatewayError


def test_every_profile_has_a_default_syntax_and_a_signature_mode():
    for name in profiles.names():
        profile = profiles.get(name)
        assert profile.name == name
        assert profile.default_syntax in ("ubl", "cii")
        assert profile.signature in ("enveloped", "detached")
        assert profile.customization_id.startswith("urn:cen.eu:en16931:2017")


def test_peppol_and_xrechnung_travel_unsigned():
    assert profiles.get("peppol-bis-3").signature == "detached"
    assert profiles.get("xrechnung-3").signature == "detached"


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(GatewayError) as caught:
        profiles.get("peppol-bis-4")
    problem = caught.value.problems[0]
    assert problem.field == "profile"
    assert problem.value == "peppol-bis-4"
    assert "peppol-bis-3" in problem.message


@pytest.mark.parametrize(
    ("customization_id", "expected"),
    [
        ("urn:cen.eu:en16931:2017", "en16931"),
        (
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            "peppol-bis-3",
        ),
        # A national extension of Peppol BIS is still validated as Peppol BIS.
        (
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
            "#conformant#urn:fdc:nen.nl:nlcius:v1.0",
            "peppol-bis-3",
        ),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "xrechnung-3"),
        (" urn:cen.eu:en16931:2017 ", "en16931"),
    ],
)
def test_detect_maps_specification_identifiers(customization_id, expected):
    detected = profiles.detect(customization_id)
    assert detected is not None
    assert detected.name == expected


@pytest.mark.parametrize("customization_id", [None, "", "urn:cen.eu:en16931:2017x", "urn:other"])
def test_detect_returns_none_for_unknown_identifiers(customization_id):
    assert profiles.detect(customization_id) is None
