"""weekly figures: past weeks' per-unit figures kept, and dropped by triggers when their records change

Revision ID: f1c8d2a6b390
Revises: e7a3b5c91d42
Create Date: 2026-11-30 03:05:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "f1c8d2a6b390"
down_revision = "e7a3b5c91d42"
branch_labels = None
depends_on = None

# A change to a record (or task) of some week invalidates that week and every later one: "overdue at
# the week's end" of later weeks depends on it. Facility and subject changes invalidate all weeks.
RECORD_TABLES = {"patrols": "started_at", "visits": "visited_at", "inspections": "started_at", "tasks": "opened_at"}
SITE_TABLES = {"facilities": "patrol_interval_days", "subjects": "visit_interval_days"}


def upgrade() -> None:
    op.create_table(
        "weekly_figures",
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("org_unit_id", "week_start", name=op.f("pk_weekly_figures")),
    )
    op.create_index("ix_weekly_figures_week_start", "weekly_figures", ["week_start"], unique=False)
    for table, at in RECORD_TABLES.items():
        op.execute(f"""
            create function weekly_figures_stale_{table}() returns trigger language plpgsql as $$
            declare first timestamptz;
            begin
              if tg_op = 'INSERT' then first := new.{at};
              elsif tg_op = 'DELETE' then first := old.{at};
              else first := least(old.{at}, new.{at});
              end if;
              delete from weekly_figures
               where week_start >= date_trunc('week', first at time zone 'Asia/Shanghai')::date;
              return null;
            end $$""")
        op.execute(f"""create trigger weekly_figures_stale after insert or update or delete on {table}
                       for each row execute function weekly_figures_stale_{table}()""")
    for table, interval in SITE_TABLES.items():
        op.execute(f"""
            create function weekly_figures_stale_{table}() returns trigger language plpgsql as $$
            begin delete from weekly_figures; return null; end $$""")
        op.execute(f"""create trigger weekly_figures_stale
                       after insert or delete or update of org_unit_id, created_at, {interval} on {table}
                       for each statement execute function weekly_figures_stale_{table}()""")


def downgrade() -> None:
    for table in (*RECORD_TABLES, *SITE_TABLES):
        op.execute(f"drop trigger weekly_figures_stale on {table}")
        op.execute(f"drop function weekly_figures_stale_{table}()")
    op.drop_index("ix_weekly_figures_week_start", table_name="weekly_figures")
    op.drop_table("weekly_figures")
