"""The layering ``make lint`` checks with import-linter (``pyproject.toml``), and the one rule it cannot check: no
module uses another app's private (``_name``) helpers. What two apps share is public, in the lower one or in core.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "vendors", "notifications", "identity", "deals", "leads", "campaigns", "content", "mdf", "feedback")
PACKAGES = (*APPS, "portal")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield package, path


def _dotted(node) -> str | None:
    """``a.b.c`` for a chain of names, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return head and f"{head}.{node.attr}"
    return None


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names one of our modules or packages (not a class or function in one)."""
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_uses(package: str, source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` (a module of ``package``) imports or reads a private name of another package of ours."""
    found = []
    aliases = {}  # a name bound to another app's module → that module
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top not in PACKAGES or top == package:
                continue
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"{filename}:{node.lineno} imports the private module {node.module}")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{filename}:{node.lineno} imports {node.module}.{alias.name}")
                else:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top not in PACKAGES or top == package:
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append(f"{filename}:{node.lineno} imports the private module {alias.name}")
                aliases[alias.asname or top] = alias.name if alias.asname else top
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            dotted = _dotted(node.value)
            if dotted and dotted.split(".")[0] in aliases:
                first, _, rest = dotted.partition(".")
                module = aliases[first] + (f".{rest}" if rest else "")
                if _is_module(module):
                    found.append(f"{filename}:{node.lineno} reads {module}.{node.attr}")
    return found


def test_no_module_uses_another_apps_private_names():
    found = []
    for package, path in _modules():
        found += private_uses(package, path.read_text(), str(path.relative_to(ROOT)))
    assert found == [], "Make what another app needs public (in core, or in the lower app):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from deals.views import _wants_partial",
        "from deals.views import deals_view, _wants_partial as wants",
        "from deals import views\nviews._wants_partial(request)",
        "import deals.scale_data\ndeals.scale_data._bulk_load()",
        "from vendors._helpers import thing",
    ],
)
def test_the_check_finds_another_apps_private_names(source):
    assert private_uses("leads", source)


@pytest.mark.parametrize(
    "source",
    [
        "from leads.services import _tallied",  # the app's own
        "from deals.views import wants_partial",
        "from django.db.models import _something",  # not one of ours
        "from deals import views\nviews.__name__",
        "from deals.models import DealRegistration\nDealRegistration._meta",
    ],
)
def test_the_check_leaves_public_and_own_names_alone(source):
    assert private_uses("leads", source) == []
