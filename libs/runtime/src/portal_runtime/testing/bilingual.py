"""Where a package's problems would speak English only (see ``portal_runtime.problems``): a test of each service
asserts there is no such place, so a new error cannot ship without its French.

Found by importing the package (every :class:`PortalError` subclass it defines) and reading its source:

- an error class that sets ``title`` without ``title_fr``;
- a call that builds an error with a detail (a positional argument or ``detail=``) but no ``fr=``, or with a
  ``remediation=`` but no ``remediation_fr=``; ``super().__init__(...)`` inside an error class counts as building one;
- a ``FieldError(message=...)`` without ``fr=``;
- a ``problem_response(...)`` without ``title_fr=`` (and ``detail_fr=`` when it has a detail).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

from portal_runtime.problems import PortalError

SKIPPED = ("migrations", "tests", "testing")


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    sub: type
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _import_all(package: str) -> Path:
    module = importlib.import_module(package)
    root = Path(module.__file__ or "").parent
    for info in pkgutil.walk_packages([str(root)], f"{package}."):
        if not any(part in SKIPPED for part in info.name.split(".")):
            importlib.import_module(info.name)
    return root


def _writes_own_text(cls: type) -> bool:
    if cls.__init__ is PortalError.__init__:  # type: ignore[misc]
        return False
    parameters = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    passes_on = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters.values())
    return "detail" not in parameters and not passes_on


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def untranslated(package: str) -> list[str]:
    """Each place of ``package`` whose problem text has no French, as ``file:line: what``."""
    root = _import_all(package)
    errors = _subclasses(PortalError)
    # A class with an __init__ of its own writes its text there (its super().__init__ call is checked) and its
    # callers pass something else (field errors, a count) -- unless that __init__ takes a detail on to PortalError.
    own_init = {cls.__name__ for cls in errors if _writes_own_text(cls)}
    names = {cls.__name__ for cls in errors} - own_init | {PortalError.__name__}
    found = [
        f"{cls.__module__}.{cls.__qualname__}: title without title_fr"
        for cls in sorted(errors, key=lambda c: (c.__module__, c.__qualname__))
        if cls.__module__.split(".")[0] == package and "title" in vars(cls) and "title_fr" not in vars(cls)
    ]
    for path in sorted(root.rglob("*.py")):
        if any(part in SKIPPED for part in path.relative_to(root).parts):
            continue
        where = path.relative_to(root.parent)
        tree = ast.parse(path.read_text())
        found += [f"{where}:{line}: {what}" for line, what in _calls(tree, names, {c.__name__ for c in errors})]
    return found


def _calls(tree: ast.AST, names: set[str], error_classes: set[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, error_class: bool) -> None:
        if isinstance(node, ast.ClassDef):
            error_class = node.name in error_classes
        if isinstance(node, ast.Call):
            found.extend((node.lineno, what) for what in _missing(node, names, error_class))
        for child in ast.iter_child_nodes(node):
            visit(child, error_class)

    visit(tree, False)
    return found


def _missing(call: ast.Call, names: set[str], in_error_class: bool) -> list[str]:
    name = _name(call.func)
    keywords = {k.arg for k in call.keywords}
    if any(k.arg is None for k in call.keywords):  # **kwargs: cannot tell
        return []
    is_super_init = (
        name == "__init__"
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Call)
        and _name(call.func.value.func) == "super"
    )
    missing: list[str] = []
    if name in names or (is_super_init and in_error_class):
        label = f"{name}(...)" if not is_super_init else "super().__init__(...)"
        if (call.args or "detail" in keywords) and "fr" not in keywords:
            missing.append(f"{label} has a detail but no fr=")
        if "remediation" in keywords and "remediation_fr" not in keywords:
            missing.append(f"{label} has a remediation but no remediation_fr=")
    elif name == "FieldError":
        if "message" in keywords and "fr" not in keywords:
            missing.append("FieldError(...) has a message but no fr=")
    elif name == "problem_response":
        if "title_fr" not in keywords:
            missing.append("problem_response(...) has no title_fr=")
        if (len(call.args) > 3 or "detail" in keywords) and "detail_fr" not in keywords:
            missing.append("problem_response(...) has a detail but no detail_fr=")
    return missing
