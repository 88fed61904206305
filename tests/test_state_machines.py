"""Every model outside the review workflow that has a status declares its moves once, as a table covering every
status choice (`capacity_market.state_machine`), and its services change the status only through that table."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from auctions.models import ClearingRun
from capacity_market.models import ImportJob
from capacity_market.state_machine import StateMachine, machine_for

ROOT = Path(__file__).resolve().parents[1]
MACHINES = {model: machine_for(model) for model in apps.get_models()
            if any(isinstance(v, StateMachine) for k in model.__mro__ for v in vars(k).values())}
# The modules that move these models; they must not assign a status themselves.
SERVICES = {ImportJob: "capacity_market/bulk_import.py", ClearingRun: "auctions/clearing/services.py"}


def test_import_jobs_and_clearing_runs_declare_a_machine():
    assert {ImportJob, ClearingRun} <= set(MACHINES)


@pytest.mark.parametrize("model", list(MACHINES), ids=lambda m: m._meta.label)
def test_the_table_has_a_row_for_every_status_choice_and_names_no_other(model):
    machine = MACHINES[model]
    choices = {value for value, _label in model._meta.get_field(machine.field).choices}
    assert set(machine.transitions) == choices, "every status needs a row (an empty set when terminal)"
    assert machine.statuses <= choices
    assert machine.problems(model) == []


@pytest.mark.parametrize("model", list(MACHINES), ids=lambda m: m._meta.label)
def test_every_status_is_reachable_from_the_initial_one(model):
    machine = MACHINES[model]
    reached, frontier = set(), [model._meta.get_field(machine.field).default]
    while frontier:
        status = str(frontier.pop())
        if status not in reached:
            reached.add(status)
            frontier.extend(machine.next_statuses(status))
    assert reached == set(machine.transitions)


def _status_writes(path: str) -> list[str]:
    """`x.status = …`, `….update(status=…)` and `….create(status=…)` in a module, by line."""
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [f"line {node.lineno}: .status =" for t in targets
                      if isinstance(t, ast.Attribute) and t.attr == "status"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "update", "create", "get_or_create", "update_or_create", "bulk_update"):
            found += [f"line {node.lineno}: {node.func.attr}(status=…)" for k in node.keywords if k.arg == "status"]
    return found


@pytest.mark.parametrize("model", list(SERVICES), ids=lambda m: m._meta.label)
def test_the_services_change_a_status_only_through_the_machine(model):
    assert _status_writes(SERVICES[model]) == []


def test_the_status_lint_sees_a_direct_write(tmp_path, monkeypatch):
    module = tmp_path / "bad.py"
    module.write_text("run.status = 'failed'\nRun.objects.filter(pk=1).update(status='failed')\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert _status_writes("bad.py") == ["line 1: .status =", "line 2: update(status=…)"]
