"""The audit log: append-only, chained by SHA-256 so that tampering is detectable.

`record()` is the only writer. Entries are serialised with a transaction-scoped advisory lock, so two
concurrent writers can never fork the chain. `verify()` recomputes the chain (`manage.py verify_audit_log`).
"""

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from . import request_context
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x43_4D_41_55  # "CMAU": one advisory lock for the whole chain


def _to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def _payload(entry: AuditEntry) -> str:
    fields = {
        "created_at": entry.created_at.isoformat(),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "operator_id": entry.operator_id,
        "acting_for_id": entry.acting_for_id,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "ip": entry.ip,
        "before": entry.before,
        "after": entry.after,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def normalise_ip(value: str | None) -> str | None:
    """The address as PostgreSQL's inet gives it back (lower-case, compressed), so the hash survives the round
    trip; something that is not an address is not stored."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        address = ipaddress.ip_address(str(address).split("%", 1)[0])
    return str(address)


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _payload(entry)).encode()).hexdigest()


def record(
    *,
    action: str,
    actor=None,
    operator_id: int | None = None,
    target=None,
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one audit entry. Runs in (or opens) a transaction; the chain head is locked meanwhile."""
    ctx = request_context.current()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Take the chain lock, and let PostgreSQL normalise the JSON values (numbers such as 1e20, key
            # order) exactly as jsonb will give them back, so that the hash computed now verifies later.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s), %s::jsonb::text, %s::jsonb::text",
                [_LOCK_KEY, _to_json(before), _to_json(after)],
            )
            _, before_text, after_text = cursor.fetchone()
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        if actor is not None and getattr(actor, "is_authenticated", False):
            actor_id, label = actor.pk, actor_label or actor.get_username()
            if operator_id is None:
                operator_id = getattr(actor, "operator_id", None)
        else:
            actor_id, label = None, actor_label
        entry = AuditEntry(
            created_at=timezone.now(),
            action=action,
            actor_id=actor_id,
            actor_label=label,
            operator_id=operator_id,
            acting_for_id=ctx.acting_for_id,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            ip=normalise_ip(ctx.ip),
            before=json.loads(before_text) if before_text is not None else None,
            after=json.loads(after_text) if after_text is not None else None,
            prev_hash=last or GENESIS,
        )
        entry.hash = compute_hash(entry.prev_hash, entry)
        entry.save()
    return entry


@dataclass
class VerifyResult:
    count: int
    first_bad_id: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify() -> VerifyResult:
    """Recompute the whole chain; report the first entry whose hash or link does not hold."""
    prev = GENESIS
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev:
            return VerifyResult(count, entry.id, "link broken (an entry before it was removed or altered)")
        if compute_hash(prev, entry) != entry.hash:
            return VerifyResult(count, entry.id, "content does not match its hash")
        prev = entry.hash
    return VerifyResult(count, None)
