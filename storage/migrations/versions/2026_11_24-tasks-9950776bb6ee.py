"""tasks: rectification (整改) and follow-up tasks opened from patrol issues and visits

Revision ID: 9950776bb6ee
Revises: 648f8b27c0d7
Create Date: 2026-11-24 11:37:22.247225
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "9950776bb6ee"
down_revision = "648f8b27c0d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_kind", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("fix_note", sa.Text(), server_default="", nullable=False),
        sa.Column("fix_photo_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fixed_by_id", sa.Uuid(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Uuid(), nullable=True),
        sa.Column("reopen_comment", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("record_kind in ('patrol','visit')", name=op.f("ck_tasks_record_kind")),
        sa.CheckConstraint("status in ('open','fixed','accepted','cancelled')", name=op.f("ck_tasks_status")),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["users.id"], name=op.f("fk_tasks_accepted_by_id_users")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], name=op.f("fk_tasks_facility_id_facilities")),
        sa.ForeignKeyConstraint(["fixed_by_id"], ["users.id"], name=op.f("fk_tasks_fixed_by_id_users")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_tasks_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_tasks_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("ix_tasks_assignee_id_status", "tasks", ["assignee_id", "status"], unique=False)
    op.create_index("ix_tasks_opened_at_id", "tasks", ["opened_at", "id"], unique=False)
    op.create_index(
        "ix_tasks_org_unit_id_status_opened_at", "tasks", ["org_unit_id", "status", "opened_at"], unique=False
    )
    op.create_index("ix_tasks_status_due_at", "tasks", ["status", "due_at"], unique=False)
    # One task per (record, checklist item): re-sending a record never duplicates a task.
    op.create_index("uq_tasks_record_id_item", "tasks", ["record_id", "item"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tasks_record_id_item", table_name="tasks")
    op.drop_index("ix_tasks_status_due_at", table_name="tasks")
    op.drop_index("ix_tasks_org_unit_id_status_opened_at", table_name="tasks")
    op.drop_index("ix_tasks_opened_at_id", table_name="tasks")
    op.drop_index("ix_tasks_assignee_id_status", table_name="tasks")
    op.drop_table("tasks")
