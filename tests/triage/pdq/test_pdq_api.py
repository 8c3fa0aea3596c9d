"""The public surface the triage engine wires in: documented and typed."""

from __future__ import annotations

import inspect

import pytest

from netsafe.triage.pdq import fast, index, video


@pytest.mark.parametrize("module", [fast, index, video])
def test_every_public_name_is_documented_and_typed(module):
    assert module.__doc__
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"{module.__name__}.{name} has no docstring"
        members = [value] if inspect.isfunction(value) else []
        if inspect.isclass(value):
            members += [
                member
                for member_name, member in vars(value).items()
                if not member_name.startswith("_") and inspect.isfunction(member)
            ]
        for function in members:
            assert inspect.getdoc(function), f"{module.__name__}.{function.__qualname__}"
            assert "return" in function.__annotations__, f"{function.__qualname__} untyped"


def test_pdq_package_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys, netsafe.triage.pdq.fast, netsafe.triage.pdq.index, "
        "netsafe.triage.pdq.video; print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
