"""audit log refuses TRUNCATE too, and only its owner holds rights beyond SELECT and INSERT

Revision ID: 5c1e7a3d9f20
Revises: 5c1e0a7d2f94
Create Date: 2026-11-30 02:30:00
"""

from alembic import op

revision = "5c1e7a3d9f20"
down_revision = "5c1e0a7d2f94"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The row triggers of UPDATE/DELETE do not fire for TRUNCATE: refuse it with its own trigger
    # (a TRUNCATE ... CASCADE from another table reaches it as well).
    op.execute("""
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    """)
    # Whoever the database grants table rights to by default (the API's role) may read and append
    # to the audit log, and read which migration the schema is at.
    for table, rights in (
        ("audit_log", "UPDATE, DELETE, TRUNCATE"),
        ("alembic_version", "INSERT, UPDATE, DELETE, TRUNCATE"),
    ):
        op.execute(f"""
            DO $$ DECLARE grantee text; BEGIN
              REVOKE {rights} ON {table} FROM PUBLIC;
              FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
                             WHERE g.table_schema = current_schema() AND g.table_name = '{table}'
                               AND g.grantee NOT IN (current_user, 'PUBLIC')
                               AND g.grantee <> pg_get_userbyid((SELECT relowner FROM pg_class
                                                                 WHERE oid = '{table}'::regclass))
              LOOP
                EXECUTE format('REVOKE {rights} ON {table} FROM %I', grantee);
              END LOOP;
            END $$;
        """)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
