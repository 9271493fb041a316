"""desk decisions: a review may be a reopen, ready-made return reasons, and every record a task joins

- reviews.decision also takes 'reopen' (an approval taken back within 24 hours, with its reason);
- return_reasons: the ready-made comments a supervisor picks when returning a record, seeded
  with defaults an admin edits;
- task_records: every record that reported a task's problem (the one that opened it and each
  later one that joined it), so one problem on one site is one task.

Revision ID: 3a7c9e1f5b62
Revises: c5f1a9d8e243
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3a7c9e1f5b62"
down_revision = "c5f1a9d8e243"
branch_labels = None
depends_on = None

REASONS = [
    ("photo_unclear", "照片不清楚，请重新拍摄", "The photos are unclear; take them again"),
    ("photo_missing", "缺少现场照片，请补拍", "Photos of the site are missing; add them"),
    ("far_from_site", "定位不在现场，请到现场后重新提交", "The position is not at the site; send it again from there"),
    (
        "issue_unclear",
        "问题描述不清楚，请写明具体情况",
        "The problem is not described clearly; say exactly what is wrong",
    ),
    ("wrong_site", "对象或设施选错了，请核对", "The wrong person or facility was chosen; check it"),
    ("details_missing", "走访内容不完整，请补充", "The visit's details are incomplete; complete them"),
]


def upgrade() -> None:
    op.execute(
        "alter table reviews drop constraint ck_reviews_decision, add constraint ck_reviews_decision "
        "check (decision in ('approve','return','reopen'))"
    )

    op.create_table(
        "return_reasons",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_return_reasons")),
    )
    table = sa.table(
        "return_reasons",
        sa.column("code", sa.String),
        sa.column("position", sa.Integer),
        sa.column("text_zh", sa.Text),
        sa.column("text_en", sa.Text),
    )
    op.bulk_insert(table, [dict(code=c, position=n, text_zh=zh, text_en=en) for n, (c, zh, en) in enumerate(REASONS)])

    op.create_table(
        "task_records",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("record_kind", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("record_kind in ('patrol','visit','inspection')", name=op.f("ck_task_records_record_kind")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_records_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "record_id", name=op.f("pk_task_records")),
    )
    op.create_index("ix_task_records_record_id", "task_records", ["record_id"], unique=False)
    op.execute(
        "insert into task_records (task_id, record_id, record_kind, joined_at) "
        "select id, record_id, record_kind, opened_at from tasks"
    )
    # Finding a site's open task for an item is one probe.
    op.create_index(
        "ix_tasks_facility_id_item_open",
        "tasks",
        ["facility_id", "item"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_tasks_subject_id_item_open",
        "tasks",
        ["subject_id", "item"],
        unique=False,
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_subject_id_item_open", table_name="tasks")
    op.drop_index("ix_tasks_facility_id_item_open", table_name="tasks")
    op.drop_index("ix_task_records_record_id", table_name="task_records")
    op.drop_table("task_records")
    op.drop_table("return_reasons")
    op.execute("delete from reviews where decision = 'reopen'")
    op.execute(
        "alter table reviews drop constraint ck_reviews_decision, add constraint ck_reviews_decision "
        "check (decision in ('approve','return'))"
    )
