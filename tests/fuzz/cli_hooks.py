"""Hooks for ``schemathesis run`` against a running Onepane (README, "Fuzzing the API"):
``SCHEMATHESIS_HOOKS=tests.fuzz.cli_hooks schemathesis run ...``.

An id in a path that is not a number never reaches the API: the URL patterns refuse it and Django answers with
its HTML page for an unknown address, which no operation documents. The in-process tests check only "no 5xx"
for such paths (``harness.reaches_the_api``); here such an id is sent as ``0`` (a number no row has) instead.
"""

import re

import schemathesis

NUMBER = re.compile(r"[0-9]+")


@schemathesis.hook
def before_call(context, case, kwargs):
    for name, value in (case.path_parameters or {}).items():
        if not NUMBER.fullmatch(str(value)):
            case.path_parameters[name] = "0"
