"""checklist templates: versioned checklists as data; existing patrols moved onto the default v1

Revision ID: 5d1a7c3e9b20
Revises: 5c1e7a3d9f20
Create Date: 2026-11-30 02:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.checklists import PATROL_V1, default_template_rows

revision = "5d1a7c3e9b20"
down_revision = "5c1e7a3d9f20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "checklist_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("applies_to", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind in ('patrol','inspection')", name=op.f("ck_checklist_templates_kind")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_checklist_templates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_templates")),
    )
    op.create_index("uq_checklist_templates_key_version", "checklist_templates", ["key", "version"], unique=True)
    op.create_index(
        "uq_checklist_templates_key_active",
        "checklist_templates",
        ["key"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.bulk_insert(table, default_template_rows())
    # Every existing patrol was filled against the fixed seven items: version 1 of "patrol".
    op.add_column(
        "patrols", sa.Column("template_id", sa.Uuid(), server_default=sa.text(f"'{PATROL_V1}'"), nullable=False)
    )
    op.create_foreign_key(
        op.f("fk_patrols_template_id_checklist_templates"), "patrols", "checklist_templates", ["template_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_patrols_template_id_checklist_templates"), "patrols", type_="foreignkey")
    op.drop_column("patrols", "template_id")
    op.drop_index(
        "uq_checklist_templates_key_active", table_name="checklist_templates", postgresql_where=sa.text("active")
    )
    op.drop_index("uq_checklist_templates_key_version", table_name="checklist_templates")
    op.drop_table("checklist_templates")
