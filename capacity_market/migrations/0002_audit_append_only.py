"""Make the audit log append-only in the database itself: UPDATE and DELETE raise.

TRUNCATE stays possible for the test runner's flush and for a deliberate, logged operator purge.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION capacity_market_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER capacity_market_auditentry_append_only
    BEFORE UPDATE OR DELETE ON capacity_market_auditentry
    FOR EACH ROW EXECUTE FUNCTION capacity_market_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS capacity_market_auditentry_append_only ON capacity_market_auditentry;
DROP FUNCTION IF EXISTS capacity_market_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("capacity_market", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, REVERSE)]
