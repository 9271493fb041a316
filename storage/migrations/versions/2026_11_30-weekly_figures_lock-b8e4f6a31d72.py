"""weekly figures lock: the triggers that drop kept weekly figures hold a shared lock until commit

storage/queries/weekly.py computes and stores a past week's figures under the same lock, taken
exclusively: it waits for every writer whose trigger ran but who has not committed (so it counts
their records), and a writer that comes later deletes the stored figures once they are committed.
Without it a record committed during the computation was missing from the kept figures for good.

Revision ID: b8e4f6a31d72
Revises: a7d3e5f20c61
Create Date: 2026-11-30 05:15:00
"""

from alembic import op

revision = "b8e4f6a31d72"
down_revision = "a7d3e5f20c61"
branch_labels = None
depends_on = None

RECORD_TABLES = {"patrols": "started_at", "visits": "visited_at", "inspections": "started_at", "tasks": "opened_at"}
SITE_TABLES = ("facilities", "subjects")
LOCK = "perform pg_advisory_xact_lock_shared(hashtext('weekly_figures'));"


def functions(lock: str) -> None:
    for table, at in RECORD_TABLES.items():
        op.execute(f"""
            create or replace function weekly_figures_stale_{table}() returns trigger language plpgsql as $$
            declare first timestamptz;
            begin
              if tg_op = 'INSERT' then first := new.{at};
              elsif tg_op = 'DELETE' then first := old.{at};
              else first := least(old.{at}, new.{at});
              end if;
              {lock}
              delete from weekly_figures
               where week_start >= date_trunc('week', first at time zone 'Asia/Shanghai')::date;
              return null;
            end $$""")
    for table in SITE_TABLES:
        op.execute(f"""
            create or replace function weekly_figures_stale_{table}() returns trigger language plpgsql as $$
            begin {lock} delete from weekly_figures; return null; end $$""")


def upgrade() -> None:
    functions(LOCK)


def downgrade() -> None:
    functions("")
