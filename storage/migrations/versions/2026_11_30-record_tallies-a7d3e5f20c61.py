"""record tallies: per unit, China day, kind, status and visit type, kept up to date by triggers

The coverage report and the weekly report read these for the whole days of their period and the
raw records (through the record_facts view) only for the part-days at its edges, so their cost
follows units x days, not records.

Revision ID: a7d3e5f20c61
Revises: f1c8d2a6b390
Create Date: 2026-11-30 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d3e5f20c61"
down_revision = "f1c8d2a6b390"
branch_labels = None
depends_on = None

# What a record adds to its tally row; the one definition that both the view and the triggers are
# written from. `{r}` is the row (the table in the view, old or new in a trigger).
FLAGGED = "(jsonb_array_length({r}.flags) > 0)::int"
FACTS = {  # table: kind, time column, visit type, cash, goods
    "patrols": ("patrol", "started_at", "''", "0", "0"),
    "visits": ("visit", "visited_at", "{r}.visit_type", "{r}.cash_yuan", "({r}.goods <> '')::int"),
    "inspections": ("inspection", "started_at", "''", "0", "0"),
}
# The China day of a time, as Python's fixed UTC+8 (api, storage/queries) counts days.
CHINA_DAY = "(({at}) at time zone interval '+08:00')::date"


def facts(table: str, r: str) -> tuple[str, ...]:
    """unit, time, kind, status, visit type, cash, goods, flagged of row `r` of `table`."""
    kind, at, visit_type, cash, goods = FACTS[table]
    return (
        f"{r}.org_unit_id",
        f"{r}.{at}",
        f"'{kind}'",
        f"{r}.status",
        visit_type.format(r=r),
        cash.format(r=r),
        goods.format(r=r),
        FLAGGED.format(r=r),
    )


def upgrade() -> None:
    op.create_table(
        "record_tallies",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visit_type", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.Numeric(), nullable=False),
        sa.Column("goods", sa.BigInteger(), nullable=False),
        sa.Column("flagged", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_tallies")),
    )
    # Days first: reports read a range of days; the triggers find their key.
    op.create_index(
        "ix_record_tallies_day", "record_tallies", ["day", "org_unit_id", "kind", "status", "visit_type"], unique=False
    )
    columns = ("org_unit_id", "at", "kind", "status", "visit_type", "cash", "goods", "flagged")
    op.execute(
        "create view record_facts as\n"
        + "\nunion all\n".join(
            f"select {', '.join(f'{e} as {c}' for e, c in zip(facts(t, t), columns, strict=True))} from {t}"
            for t in FACTS
        )
    )
    # A writer adds to a row of its key that nobody else holds (skip locked), or starts another:
    # concurrent writers of one unit and day never wait for each other's commit, and a key has
    # about as many rows as it ever had writers at once. Readers sum the rows of a key.
    op.execute(f"""
        create function record_tally(unit uuid, at_ timestamptz, kind_ text, status_ text, visit_type_ text,
                                     n_ int, cash_ numeric, goods_ int, flagged_ int) returns void
        language plpgsql as $$
        declare day_ date := {CHINA_DAY.format(at="at_")};
        begin
          update record_tallies
             set n = n + n_, cash = cash + cash_, goods = goods + goods_, flagged = flagged + flagged_
           where ctid = (select ctid from record_tallies
                          where org_unit_id = unit and day = day_ and kind = kind_ and status = status_
                            and visit_type = visit_type_
                          limit 1 for update skip locked);
          if not found then
            insert into record_tallies (org_unit_id, day, kind, status, visit_type, n, cash, goods, flagged)
            values (unit, day_, kind_, status_, visit_type_, n_, cash_, goods_, flagged_);
          end if;
        end $$""")
    for table in FACTS:
        old, new = facts(table, "old"), facts(table, "new")
        op.execute(f"""
            create function record_tallies_{table}() returns trigger language plpgsql as $$
            begin
              if tg_op = 'UPDATE' and ({", ".join(old)}) is not distinct from ({", ".join(new)}) then
                return null;  -- nothing a tally counts changed
              end if;
              if tg_op <> 'INSERT' then
                perform record_tally({", ".join(old[:5])}, -1, -{old[5]}, -{old[6]}, -{old[7]});
              end if;
              if tg_op <> 'DELETE' then
                perform record_tally({", ".join(new[:5])}, 1, {new[5]}, {new[6]}, {new[7]});
              end if;
              return null;
            end $$""")
        op.execute(f"""create trigger record_tallies after insert or update or delete on {table}
                       for each row execute function record_tallies_{table}()""")
    op.execute(f"""
        insert into record_tallies (org_unit_id, day, kind, status, visit_type, n, cash, goods, flagged)
        select org_unit_id, {CHINA_DAY.format(at="at")}, kind, status, visit_type, count(*), sum(cash),
               sum(goods), sum(flagged)
        from record_facts group by 1, 2, 3, 4, 5""")


def downgrade() -> None:
    for table in FACTS:
        op.execute(f"drop trigger record_tallies on {table}")
        op.execute(f"drop function record_tallies_{table}()")
    op.execute("drop function record_tally(uuid, timestamptz, text, text, text, int, numeric, int, int)")
    op.execute("drop view record_facts")
    op.drop_index("ix_record_tallies_day", table_name="record_tallies")
    op.drop_table("record_tallies")
