"""The demo's stories: each app tells its own (``<app>/demo.py``), in the order they depend on each other, and the
command and the mechanism name no app."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import demo
from core.demo import Story

ROOT = Path(__file__).resolve().parents[1]
APPS = ("vendors", "deals", "leads", "notifications", "identity", "portal", "campaigns", "content", "mdf", "feedback")


def names(stories):
    return [story.name for story in stories]


def test_each_app_tells_its_own_stories():
    by_app = {story.name: story.app for story in demo.stories()}

    assert by_app == {
        "channel": "vendors",
        "partnerships": "vendors",
        "channel-closing": "vendors",
        "deals": "deals",
        "leads": "leads",
        "preferences": "notifications",
        "inbox": "notifications",
    }


def test_the_stories_are_told_in_the_order_they_depend_on_each_other():
    told = names(demo.stories())

    assert told == ["channel", "preferences", "partnerships", "deals", "leads", "channel-closing", "inbox"]


def test_personas_come_from_the_apps_and_the_platform_admin_is_last():
    personas = demo.personas()

    assert [label for label, _, _ in personas] == [
        "Partner admin", "Partner rep", "Vendor channel manager", "Distributor", "Platform admin",
    ]  # fmt: skip
    assert personas[-1][1] == demo.PLATFORM_ADMIN[0]


def _noop(world):
    pass


def test_after_before_and_last_order_stories_whatever_order_they_are_declared_in():
    declared = [
        Story("wrap-up", _noop, last=True),
        Story("c", _noop, after=("b",)),
        Story("b", _noop, after=("a",)),
        Story("early", _noop, before=("a",)),
        Story("a", _noop),
    ]

    assert names(demo.order(declared)) == ["early", "a", "b", "c", "wrap-up"]


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ([Story("a", _noop, after=("b",)), Story("b", _noop, after=("a",))], "wait for each other"),
        ([Story("a", _noop, after=("missing",))], "no app tells"),
        ([Story("a", _noop), Story("a", _noop)], "Two demo stories"),
        ([Story("a", _noop, last=True), Story("b", _noop, after=("a",))], "wait for each other"),
    ],
)
def test_a_story_order_that_cannot_be_told_is_refused(declared, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        demo.order(declared)


@pytest.mark.parametrize("path", ["core/management/commands/demo.py", "core/demo.py"])
def test_the_command_and_the_mechanism_import_no_app(path):
    tree = ast.parse((ROOT / path).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }

    assert imported & set(APPS) == set()
    assert "core" in imported or path == "core/demo.py"


def test_no_demo_command_is_left_in_an_app():
    commands = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/management/commands/demo.py"))
    assert commands == ["core/management/commands/demo.py"]
