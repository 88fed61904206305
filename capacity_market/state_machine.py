"""A small state-machine helper for the status of models outside the review workflow (architecture.md §3).

Clearing runs and CSV import jobs use it today; contract states are next. A model declares its table once, as
data, beside its status choices::

    class ClearingRun(models.Model):
        status = models.CharField(..., choices=ClearingRunStatus.choices, default=ClearingRunStatus.QUEUED)
        states = StateMachine({
            QUEUED: {RUNNING, FAILED},
            RUNNING: {SUCCEEDED, FAILED},
            SUCCEEDED: {PUBLISHED},
            FAILED: set(),      # terminal: every status has a row, even one that leads nowhere
            PUBLISHED: set(),
        })

and its services change the status only through `Model.states.transition(obj, to=…, actor=…, **changes)`, which
reads like `review._transition`: in one (the caller's) transaction it locks the row and re-reads its status, checks
the move against the table (`IllegalTransition`, a DomainError with a translated message, and nothing is saved),
assigns the status and the given field changes, saves just those fields, and writes one audit entry
("<app_label>.<model>.<status>", before/after status). `claim()` is the same move for work that several workers
may race for ("only if it is still queued"): it returns False instead of raising when the row has moved on.

Creating a row in its initial status (the field's default) is not a transition; neither is progress: counters a
running job updates are plain field updates, not audited (the audit log would drown in them).

Every status choice must have a row in its table and the table may name only choices: `manage.py check` says so
(capacity_market.E010) for every model that declares a machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core import checks
from django.db import models, transaction
from django.utils.translation import gettext as _

from .errors import DomainError


class IllegalTransition(DomainError):
    """A status change the table does not allow, or (with `expect`) a row whose status moved on meanwhile.
    Nothing was changed. `current` and `target` are the status codes."""

    def __init__(self, message, *, current: str, target: str):
        super().__init__(message)
        self.current = current
        self.target = target


class StateMachine:
    """The allowed moves of one status field, as data: `{from_status: {to_status, …}, …}`."""

    def __init__(self, transitions: Mapping[str, Iterable[str]], *, field: str = "status"):
        # Plain strings: TextChoices members and their stored values compare and hash alike.
        self.transitions: dict[str, frozenset[str]] = {
            str(current): frozenset(str(target) for target in targets) for current, targets in transitions.items()
        }
        self.field = field
        self.name = ""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"StateMachine({self.field}: {self.transitions!r})"

    # --- the table: pure, no database -------------------------------------------------------------------------
    @property
    def statuses(self) -> frozenset[str]:
        """Every status the table names (as a source or a target)."""
        return frozenset(self.transitions).union(*self.transitions.values())

    def can_transition(self, current: str, target: str) -> bool:
        """Whether the table allows `current` → `target` (an unknown status allows nothing)."""
        return str(target) in self.transitions.get(str(current), ())

    def next_statuses(self, current: str) -> frozenset[str]:
        return self.transitions.get(str(current), frozenset())

    def is_terminal(self, status: str) -> bool:
        return not self.next_statuses(status)

    def problems(self, model: type[models.Model]) -> list[str]:
        """What is wrong with this table for `model`'s status choices (empty: nothing)."""
        choices = {str(value) for value, _label in model._meta.get_field(self.field).choices or ()}
        problems = [f"status {status!r} has no row in the table (give it an empty set if it is terminal)"
                    for status in sorted(choices - set(self.transitions))]
        problems += [f"the table names {status!r}, which is not a choice of {self.field}"
                     for status in sorted(self.statuses - choices)]
        return problems

    # --- the one path that changes the status -----------------------------------------------------------------
    def transition(self, obj: models.Model, *, to: str, actor=None, actor_label: str = "",
                   expect: str | Iterable[str] | None = None, details: Mapping[str, Any] | None = None,
                   **changes) -> models.Model:
        """Move `obj` to status `to`, setting the fields `changes` too, and audit it; returns `obj`, updated.

        Runs in the caller's transaction (or its own): locks the row and re-reads its status, so the move is checked
        against what is stored, not against a stale `obj`. Raises IllegalTransition, changing nothing (not even
        `obj`), when the table does not allow the move or, given `expect` (a status or several), when the stored
        status is not one of them. `actor` is the user who acts (None for the system; `actor_label` then names it,
        e.g. "celery"); `details` are added to the audit entry's "after" (keep them small: a count, a message)."""
        target = str(to)
        if self.field in changes:
            raise TypeError(f"pass the new {self.field} as `to`, not as a field change")
        model = type(obj)
        meta = model._meta
        for name in changes:  # a misspelt field fails here, before anything is locked
            meta.get_field(name)
        expected = None if expect is None else ({str(expect)} if isinstance(expect, str) else set(map(str, expect)))
        with transaction.atomic():
            current = (model._default_manager.select_for_update().filter(pk=obj.pk)
                       .values_list(self.field, flat=True).get())
            if (expected is not None and current not in expected) or not self.can_transition(current, target):
                raise IllegalTransition(
                    _("This %(thing)s is “%(current)s” and cannot become “%(target)s”; nothing was changed.")
                    % {"thing": meta.verbose_name, "current": self._label(model, current),
                       "target": self._label(model, target)},
                    current=current, target=target,
                )
            setattr(obj, self.field, target)
            for name, value in changes.items():
                setattr(obj, name, value)
            auto_now = [f.name for f in meta.concrete_fields if getattr(f, "auto_now", False)]
            obj.save(update_fields=list(dict.fromkeys([self.field, *changes, *auto_now])))
            from . import audit  # not at the top: audit imports the core's models, which declare machines

            audit.record(
                action=f"{meta.label_lower}.{target}",
                actor=actor,
                actor_label=actor_label,
                operator_id=getattr(obj, "operator_id", None),
                target=obj,
                before={self.field: current},
                after={self.field: target, **(details or {})},
            )
        return obj

    def claim(self, obj: models.Model, *, expect: str | Iterable[str], to: str, **kwargs) -> bool:
        """`transition(obj, to=…, expect=…, **kwargs)` for work that several workers may race for: True when this
        call made the move, False (nothing changed) when the row is no longer in `expect`: someone else did."""
        targets = [expect] if isinstance(expect, str) else list(expect)
        if not all(self.can_transition(status, to) for status in targets):
            raise ValueError(f"the table does not allow {targets} → {to}")
        try:
            self.transition(obj, to=to, expect=targets, **kwargs)
        except IllegalTransition:
            return False
        return True

    def _label(self, model, status: str) -> str:
        return str(dict(model._meta.get_field(self.field).choices or ()).get(status, status))


def machine_for(model: type[models.Model]) -> StateMachine:
    """The state machine `model` (or a base of it) declares."""
    for klass in model.__mro__:
        for value in vars(klass).values():
            if isinstance(value, StateMachine):
                return value
    raise LookupError(f"{model.__name__} declares no StateMachine")


def transition(obj: models.Model, *, to: str, **kwargs) -> models.Model:
    """`StateMachine.transition` of the machine `obj`'s model declares."""
    return machine_for(type(obj)).transition(obj, to=to, **kwargs)


@checks.register(checks.Tags.models)
def check_state_machines(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every declared table covers every status choice of its model (no orphan status) and names only choices."""
    from django.apps import apps

    errors: list[checks.CheckMessage] = []
    configs = app_configs or apps.get_app_configs()
    for config in configs:
        for model in config.get_models():
            try:
                machine = machine_for(model)
            except LookupError:
                continue
            for problem in machine.problems(model):
                errors.append(checks.Error(f"{model._meta.label}.{machine.name or 'StateMachine'}: {problem}.",
                                           obj=model, id="capacity_market.E010"))
    return errors
