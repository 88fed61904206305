"""`manage.py verify_audit_log`: recompute the audit log's hash chain; exit 1 at the first entry that fails."""

from django.core.management.base import BaseCommand, CommandError

from capacity_market import audit


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Prints OK and the entry count, or the first bad entry and exits 1."

    def handle(self, *args, **options):
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"audit log broken at entry id={result.first_bad_id}: {result.problem} "
                f"({result.count} entries checked)",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"OK: {result.count} audit entries, chain intact"))
