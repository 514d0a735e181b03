"""Domain errors: specific classes per package, no HTTP in the domain, one status table."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from gateway.api.errors import STATUS_BY_ERROR, status_of
from schemas.errors import ArtifactError, GatewayError, ParseError, RenderError, XmlInputError
from signing.errors import SigningError, SigningKeyError, VerificationError
from tax_rules.errors import PackDataError, TaxRuleError, UnknownTaxClass
from tests.conftest import PROJECT_ROOT
from validators.errors import RuleSetUnavailable, StageRunError, UnsupportedDocument
from validators.schematron.errors import SchematronError

DOMAIN_PACKAGES = ("schemas", "validators", "signing", "tax_rules")
# A KeyError from a lookup by key is the mapping protocol, not a domain condition.
BARE = {"ValueError", "RuntimeError", "Exception"}
PYDANTIC_VALIDATORS = {"model_validator", "field_validator", "BeforeValidator", "AfterValidator"}


def _domain_error_classes() -> list[type[GatewayError]]:
    found: set[type[GatewayError]] = set()
    for package in DOMAIN_PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if info.name.rsplit(".", 1)[-1] != "errors":
                continue
            module = importlib.import_module(info.name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, GatewayError) and value.__module__ == info.name:
                    found.add(value)
        errors = importlib.import_module(f"{package}.errors")
        found.update(
            v
            for _, v in inspect.getmembers(errors, inspect.isclass)
            if issubclass(v, GatewayError) and v.__module__ == errors.__name__
        )
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_domain_errors_carry_no_http_status():
    classes = _domain_error_classes()
    assert {SigningKeyError, StageRunError, UnsupportedDocument, TaxRuleError} <= set(classes)
    with_status = [c.__qualname__ for c in classes for k in c.__mro__ if "status_code" in vars(k)]
    assert with_status == [], "domain errors name no HTTP status; add a row to STATUS_BY_ERROR"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (TaxRuleError([]), 422),
        (UnknownTaxClass(country="DE", tax_class="x", known=["standard"]), 422),
        (PackDataError("de.toml", "broken"), 500),
        (VerificationError("digest", "altered"), 422),
        (SigningKeyError("weak", rule="signing.key-too-weak"), 400),
        (SigningError("cannot sign"), 500),
        (ArtifactError("missing"), 503),
        (RuleSetUnavailable("not checked"), 503),
        (SchematronError("cannot compile"), 503),
        (StageRunError("x.sch", "no output"), 500),
        (UnsupportedDocument("no", field="profile", value="p", rule="r"), 422),
        (ParseError("unmapped"), 400),
        (RenderError("cannot render"), 400),
        (XmlInputError("dtd-forbidden", "no DTD"), 400),
    ],
)
def test_the_table_decides_each_domain_status(error: GatewayError, status: int):
    assert status_of(error) == status


def test_a_subclass_row_precedes_its_base():
    for index, (kind, _) in enumerate(STATUS_BY_ERROR):
        for earlier, _ in STATUS_BY_ERROR[:index]:
            assert not issubclass(kind, earlier), (
                f"{kind.__name__} is shadowed by {earlier.__name__}"
            )


def test_every_domain_error_class_has_a_row_or_a_400_base():
    rows = [kind for kind, _ in STATUS_BY_ERROR]
    for cls in _domain_error_classes():
        assert cls is GatewayError or any(issubclass(cls, kind) for kind in rows), cls


def _allowed_functions(tree: ast.Module) -> set[str]:
    """Functions where pydantic asks for ``ValueError``: validators and what only they call."""
    functions = {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    allowed = set()
    for name, node in functions.items():
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Name) and target.id in PYDANTIC_VALIDATORS:
                allowed.add(name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in PYDANTIC_VALIDATORS
        ):
            allowed.update(a.id for a in node.args if isinstance(a, ast.Name))
    callers: dict[str, set[str]] = {}
    for caller, node in functions.items():
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                callers.setdefault(call.func.id, set()).add(caller)
    grew = True
    while grew:
        grew = False
        for name in functions.keys() - allowed:
            if callers.get(name) and callers[name] <= allowed:
                allowed.add(name)
                grew = True
    return allowed


def _bare_raises(path: Path, root: Path = PROJECT_ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    allowed = _allowed_functions(tree)
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
            )
            if isinstance(child, ast.Raise) and child.exc is not None:
                target = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                if isinstance(target, ast.Name) and target.id in BARE and function not in allowed:
                    found.append(f"{path.relative_to(root)}:{child.lineno} {target.id}")
            visit(child, inner or function)

    visit(tree, None)
    return found


def test_domain_packages_raise_no_bare_builtin_errors():
    found = [
        hit
        for package in DOMAIN_PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        for hit in _bare_raises(path)
    ]
    assert found == [], "raise a package error from its errors.py (pydantic validators excepted)"


def test_the_sweep_sees_a_bare_raise(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from pydantic import model_validator\n"
        "def helper():\n    raise ValueError('x')\n"
        "@model_validator(mode='after')\n"
        "def ok(self):\n    _only_from_validator()\n    return self\n"
        "def _only_from_validator():\n    raise ValueError('fine')\n"
    )
    assert _bare_raises(sample, root=tmp_path) == ["sample.py:3 ValueError"]
