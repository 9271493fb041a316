"""site figures: each unit's facility and subject figures for a whole-day period, kept until they change

The coverage report's "due", "patrolled" and "visited" take two index probes per facility and
subject, whose cost grows with the records; they are kept per unit and period, and dropped by
triggers when a record of one of the unit's sites (from before the period's end) or a site changes.

Revision ID: c5f1a9d8e243
Revises: b8e4f6a31d72
Create Date: 2026-11-30 05:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c5f1a9d8e243"
down_revision = "b8e4f6a31d72"
branch_labels = None
depends_on = None

# Records: table, its site table and column, its time, and what of it the figures read.
RECORDS = {"patrols": ("facilities", "facility_id", "started_at"), "visits": ("subjects", "subject_id", "visited_at")}
SITES = {
    "facilities": "org_unit_id, created_at, patrol_interval_days",
    "subjects": "org_unit_id, created_at, visit_interval_days, category",
}
# Shared by the dropping triggers until they commit; storage/queries/reports.py computes and stores
# under it exclusively, so no record committed meanwhile is missed (as for weekly_figures).
LOCK = "perform pg_advisory_xact_lock_shared(hashtext('site_figures'));"


def upgrade() -> None:
    op.create_table(
        "site_figures",
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("org_unit_id", "since", "until", name=op.f("pk_site_figures")),
    )
    for table, (sites, site_id, at) in RECORDS.items():
        op.execute(f"""
            create function site_figures_stale_{table}() returns trigger language plpgsql as $$
            begin
              if tg_op = 'UPDATE' and (old.{site_id}, old.{at}, old.status) = (new.{site_id}, new.{at}, new.status) then
                return null;  -- nothing the figures read changed
              end if;
              {LOCK}
              if tg_op <> 'INSERT' then
                delete from site_figures where until > old.{at}
                   and org_unit_id = (select org_unit_id from {sites} where id = old.{site_id});
              end if;
              if tg_op <> 'DELETE' then
                delete from site_figures where until > new.{at}
                   and org_unit_id = (select org_unit_id from {sites} where id = new.{site_id});
              end if;
              return null;
            end $$""")
        op.execute(f"""create trigger site_figures_stale after insert or update or delete on {table}
                       for each row execute function site_figures_stale_{table}()""")
    for table, columns in SITES.items():
        op.execute(f"""
            create function site_figures_stale_{table}() returns trigger language plpgsql as $$
            begin {LOCK} delete from site_figures; return null; end $$""")
        op.execute(f"""create trigger site_figures_stale after insert or delete or update of {columns} on {table}
                       for each statement execute function site_figures_stale_{table}()""")


def downgrade() -> None:
    for table in (*RECORDS, *SITES):
        op.execute(f"drop trigger site_figures_stale on {table}")
        op.execute(f"drop function site_figures_stale_{table}()")
    op.drop_table("site_figures")
