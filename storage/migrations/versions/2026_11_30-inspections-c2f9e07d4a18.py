"""inspections: station inspections (服务站督导), a third record kind with reviews and tasks

Revision ID: c2f9e07d4a18
Revises: 8e4b2f6a1c07
Create Date: 2026-11-30 03:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c2f9e07d4a18"
down_revision = "8e4b2f6a1c07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checklist", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("location_captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("photo_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flags", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status in ('incomplete','submitted','approved','returned')", name=op.f("ck_inspections_status")
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_inspections_author_id_users")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_inspections_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(
            ["template_id"], ["checklist_templates.id"], name=op.f("fk_inspections_template_id_checklist_templates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index("ix_inspections_author_id_started_at", "inspections", ["author_id", "started_at"], unique=False)
    op.create_index(
        "ix_inspections_org_unit_id_started_at_id", "inspections", ["org_unit_id", "started_at", "id"], unique=False
    )
    op.create_index("ix_inspections_started_at_id", "inspections", ["started_at", "id"], unique=False)
    op.create_index("ix_inspections_status_started_at", "inspections", ["status", "started_at"], unique=False)
    for table in ("reviews", "tasks"):
        op.alter_column(table, "record_kind", type_=sa.String(length=16), existing_nullable=False)
        op.drop_constraint(op.f(f"ck_{table}_record_kind"), table, type_="check")
        op.create_check_constraint(
            op.f(f"ck_{table}_record_kind"), table, "record_kind in ('patrol','visit','inspection')"
        )


def downgrade() -> None:
    for table in ("reviews", "tasks"):
        op.execute(f"delete from {table} where record_kind = 'inspection'")
        op.drop_constraint(op.f(f"ck_{table}_record_kind"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_record_kind"), table, "record_kind in ('patrol','visit')")
        op.alter_column(table, "record_kind", type_=sa.String(length=8), existing_nullable=False)
    op.drop_index("ix_inspections_status_started_at", table_name="inspections")
    op.drop_index("ix_inspections_started_at_id", table_name="inspections")
    op.drop_index("ix_inspections_org_unit_id_started_at_id", table_name="inspections")
    op.drop_index("ix_inspections_author_id_started_at", table_name="inspections")
    op.drop_table("inspections")
