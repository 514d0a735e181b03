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


@pytest.mark.parametrize(
    ("customization_id", "version"),
    [
        ("urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.0", "2.0"),
        ("urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3", "2.3"),
        (
            "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.2"
            "#conformant#urn:xoev-de:kosit:extension:xrechnung_2.2",
            "2.2",
        ),
        ("urn:cen.eu:en16931:2017:compliant:xoev-de:kosit:standard:xrechnung_1.2", "1.2"),
    ],
)
def test_xrechnung_2_is_detected_and_says_which_rule_set_judges_it(customization_id, version):
    declared = profiles.identify(customization_id)
    assert declared is not None and declared.profile is not None
    assert declared.profile.name == "xrechnung-3"
    assert declared.version == version
    assert "XRechnung 3.0 rule set" in (declared.note or "")
    assert "BR-DE-21" in (declared.note or "")
    assert profiles.detect(customization_id) == profiles.get("xrechnung-3")


def test_xrechnung_3_needs_no_note():
    declared = profiles.identify(
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    )
    assert declared is not None and declared.version == "3.0" and declared.note is None
