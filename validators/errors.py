"""Errors of the ``validators`` package (all descend from ``GatewayError``).

They carry no HTTP status: the gateway maps error types to statuses in one table.
"""

from schemas.errors import ArtifactError, GatewayError, Problem, XmlInputError


class RuleSetUnavailable(ArtifactError):
    """A rule set the document needs could not run here: "not checked", never "invalid".

    Carries one problem per stage that could not run, naming the artifact and the
    command that installs it. A 503: the gateway's fault, not the document's.
    """


class UnsupportedDocument(GatewayError):
    """A document or profile that a validation path does not cover (such as the native rules).

    Attributes:
        rule: A stable code (``validators.native-profile``, ``validators.native-syntax``).
    """

    def __init__(self, message: str, *, field: str, value: str, rule: str) -> None:
        super().__init__(
            message, problems=[Problem(field=field, message=message, rule=rule, value=value)]
        )
        self.rule = rule


class StageRunError(GatewayError):
    """A rule set started but gave nothing to read (no SVRL output): the run, not the document, failed."""

    def __init__(self, artifact: str, message: str) -> None:
        super().__init__(
            message,
            problems=[Problem(field=artifact, message=message, rule="validators.stage-no-output")],
        )
        self.artifact = artifact


__all__ = [
    "ArtifactError",
    "GatewayError",
    "RuleSetUnavailable",
    "StageRunError",
    "UnsupportedDocument",
    "XmlInputError",
]
