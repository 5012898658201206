"""No test passes by running none of its checks.

A test whose every check sits in the body of a ``for``/``while`` loop, an ``if``/``else`` or an ``except`` can pass
without checking anything: the list it loops over came back empty, the condition was false, nothing was raised. This
module reads every test module with ``ast`` and names, as ``file:line``, each ``test_*`` function (module level or in
a class) that has checks and none of them is certain to run.

The rule, kept simple on purpose:

- A *check* is an ``assert`` statement, a ``with pytest.raises(...)``/``pytest.warns(...)``, ``pytest.fail(...)``, a
  call of a function whose name starts with ``assert`` (``assert_no_trace(page)``, ``mock.assert_called_once()``) or
  of Playwright's ``expect(...)``. A test with no check at all (it checks through a fixture or a helper it calls) is
  not this rule's business.
- A check is *certain to run* unless it sits in the body (or ``else``) of an ``if``, a ``while`` other than
  ``while True``, an ``except`` handler, or a ``for`` loop that may run zero times. An ``if`` with an ``else`` (or an
  ``elif`` chain ending in one) whose every branch has a check certain to run is itself such a check: one branch
  runs. Checks in nested functions and lambdas are not counted (they run only if called).
- A ``for`` loop runs at least once when it loops over a literal non-empty list, tuple, set, dict or string, over
  ``range(n)`` with a literal ``n > 0`` (or ``range(a, b)`` with literal ``a < b``), over ``enumerate``/``sorted``/
  ``reversed``/``zip`` of such literals, or over a name bound exactly once to such a literal: at the top level of
  the module, or in the test itself.
  (A loop over anything else is fine once an ``assert`` before it checks the collection's length or that it is not
  empty: that assert is then a check certain to run.)

Fix a flagged test by asserting the collection is not empty (or its exact length) before the loop, or by asserting
on the whole collection instead of each item.
"""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

SEQUENCES = (ast.List, ast.Tuple, ast.Set)
PASS_THROUGH = {"enumerate", "sorted", "reversed", "list", "tuple", "set", "iter"}


def _non_empty_literal(node, constants) -> bool:
    if isinstance(node, SEQUENCES):
        return bool(node.elts) and not all(isinstance(e, ast.Starred) for e in node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes)) and bool(node.value)
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name == "range" and args and all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in args):
            values = [a.value for a in args]
            start, stop = (0, values[0]) if len(values) == 1 else (values[0], values[1])
            return len(values) <= 2 and start < stop
        if name in PASS_THROUGH and len(args) == 1:
            return _non_empty_literal(args[0], constants)
        if name == "zip" and args:
            return all(_non_empty_literal(a, constants) for a in args)
    return False


def literal_names(scope, statements) -> set[str]:
    """Names bound exactly once in ``scope`` (a module or a function), by one of its top-level ``statements``, to a
    literal non-empty collection."""
    literal = set()
    for node in statements:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        literal |= {t.id for t in targets if isinstance(t, ast.Name) and _non_empty_literal(value, set())}
    bound: dict[str, int] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound[node.id] = bound.get(node.id, 0) + 1
    return {name for name in literal if bound[name] == 1}


def module_constants(tree: ast.Module) -> set[str]:
    return literal_names(tree, tree.body)


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_pytest(func, name) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == name and ast.unparse(func.value) == "pytest"


def _expression_checks(node) -> bool:
    """Whether an expression statement is a check (``assert_x(...)``, ``expect(...)...``, ``pytest.fail(...)``)."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            name = _call_name(call)
            if name.startswith("assert") or name == "expect" or _is_pytest(call.func, "fail"):
                return True
    return False


def _with_checks(node: ast.With) -> bool:
    for item in node.items:
        call = item.context_expr
        if isinstance(call, ast.Call) and (_is_pytest(call.func, "raises") or _is_pytest(call.func, "warns")):
            return True
    return False


class _Checks:
    """The checks of one test function, each with whether it is certain to run."""

    def __init__(self, constants: set[str]):
        self.constants = constants
        self.certain: list[int] = []
        self.guarded: list[int] = []

    def record(self, node, guarded: bool):
        (self.guarded if guarded else self.certain).append(node.lineno)

    def branch(self, statements) -> "_Checks":
        checks = _Checks(self.constants)
        checks.block(statements, False)
        return checks

    def block(self, statements, guarded: bool):
        for statement in statements:
            self.statement(statement, guarded)

    def statement(self, node, guarded: bool):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(node, ast.Assert) or (isinstance(node, ast.Expr) and _expression_checks(node.value)):
            self.record(node, guarded)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            if _with_checks(node):
                self.record(node, guarded)
            self.block(node.body, guarded)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.block(node.body, guarded or not _non_empty_literal(node.iter, self.constants))
            self.block(node.orelse, True)
        elif isinstance(node, ast.While):
            runs = isinstance(node.test, ast.Constant) and node.test.value is True
            self.block(node.body, guarded or not runs)
            self.block(node.orelse, True)
        elif isinstance(node, ast.If):
            branches = []
            while True:  # if / elif / ... / else: each branch on its own
                branches.append(node.body)
                if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
                    node = node.orelse[0]
                    continue
                branches.append(node.orelse)
                break
            read = [self.branch(body) for body in branches]
            if all(checks.certain for checks in read):
                self.record(branches[0][0], guarded)  # one of the branches runs, and each checks
            else:
                for checks in read:
                    self.guarded += checks.certain + checks.guarded
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.block(node.body, guarded)
            for handler in node.handlers:
                self.block(handler.body, True)
            self.block(node.orelse, guarded)
            self.block(node.finalbody, guarded)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                self.block(case.body, True)


def _test_functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    yield item


def unreachable_checks(source: str, filename: str = "<test>") -> list[str]:
    """``file:line name`` of each test in ``source`` whose checks may all be skipped."""
    tree = ast.parse(source, filename)
    constants = module_constants(tree)
    found = []
    for function in _test_functions(tree):
        checks = _Checks(constants | literal_names(function, function.body))
        checks.block(function.body, False)
        if checks.guarded and not checks.certain:
            found.append(f"{filename}:{function.lineno} {function.name} (checks only at lines {checks.guarded})")
    return found


def _test_modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if ".venv" not in p.parts)


def test_every_test_runs_at_least_one_of_its_checks():
    modules = _test_modules()
    assert len(modules) > 100  # the scan found the suite
    found = []
    for path in modules:
        found += unreachable_checks(path.read_text(), str(path.relative_to(ROOT)))
    assert not found, "Tests whose every check may be skipped (see this module's docstring):\n" + "\n".join(found)


# --- the rule itself -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "for row in rows(response):\n        assert row['ok']",
        "if response.status_code == 200:\n        assert response.json()",
        "while pending():\n        assert step()",
        "try:\n        go()\n    except ValueError as e:\n        assert 'x' in str(e)",
        "for row in []:\n        assert row",
        "for n in range(0):\n        assert n",
        "for a in (1, 2):\n        for b in got(a):\n            assert b",
        "for row in found:\n        with pytest.raises(ValueError):\n            go(row)",
        "for page in pages:\n        expect(page).to_have_title('x')",
        "if x:\n        assert x\n    elif y:\n        assert y",
        "if x:\n        assert x\n    else:\n        go()",
        "cases = []\n    for case in cases:\n        assert case",
        "cases = [1]\n    cases = more()\n    for case in cases:\n        assert case",
    ],
)
def test_a_test_whose_checks_may_all_be_skipped_is_named(body):
    source = f"X = 1\n\n\ndef test_it():\n    {body}\n"
    [found] = unreachable_checks(source, "t.py")
    assert found.startswith("t.py:4 test_it (checks only at lines ["), found


@pytest.mark.parametrize(
    "body",
    [
        "assert go()",
        "for row in ['a', 'b']:\n        assert row",
        "for n in range(3):\n        assert n",
        "for n, name in enumerate(('a', 'b')):\n        assert name",
        "for name in NAMES:\n        assert name",
        "rows = got()\n    assert len(rows) == 2\n    for row in rows:\n        assert row",
        "assert found\n    for row in found:\n        assert row",
        "assert got.exists()\n    for row in got:\n        assert row",
        "for row in found:\n        assert row\n    assert len(found) == 3",
        "if x:\n        assert x\n    with pytest.raises(ValueError):\n        go()",
        "while True:\n        assert step()\n        break",
        "with client() as c:\n        assert c.get('/')",
        "try:\n        assert go()\n    finally:\n        stop()",
        "helper()",
        "def check(x):\n        assert x\n    check(1)",
        "assert_nothing_leaks(page)",
        "if x:\n        assert x\n    else:\n        assert not x",
        "if x:\n        assert x\n    elif y:\n        assert y\n    else:\n        pytest.fail('neither')",
        "cases = [(1, 2), (3, 4)]\n    for a, b in cases:\n        assert a < b",
    ],
)
def test_a_test_sure_to_check_something_passes(body):
    source = f"NAMES = ('a', 'b')\n\n\ndef test_it():\n    {body}\n"
    assert unreachable_checks(source) == []


def test_tests_in_classes_are_read_too():
    source = "class TestThing:\n    def test_it(self):\n        if self.x:\n            assert self.x\n"
    assert unreachable_checks(source, "t.py") == ["t.py:2 test_it (checks only at lines [4])"]


def test_a_module_constant_bound_twice_or_to_nothing_is_not_trusted():
    twice = "NAMES = ('a',)\nNAMES = ()\n\n\ndef test_it():\n    for n in NAMES:\n        assert n\n"
    empty = "NAMES = ()\n\n\ndef test_it():\n    for n in NAMES:\n        assert n\n"
    assert unreachable_checks(twice, "t.py") == ["t.py:5 test_it (checks only at lines [7])"]
    assert unreachable_checks(empty, "t.py") == ["t.py:4 test_it (checks only at lines [6])"]
