"""weekly reports: the station head's remarks on each unit's week

Revision ID: e7a3b5c91d42
Revises: c2f9e07d4a18
Create Date: 2026-11-30 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e7a3b5c91d42"
down_revision = "c2f9e07d4a18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_reports",
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("remarks", sa.Text(), server_default="", nullable=False),
        sa.Column("remarks_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_weekly_reports_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(["remarks_by_id"], ["users.id"], name=op.f("fk_weekly_reports_remarks_by_id_users")),
        sa.PrimaryKeyConstraint("org_unit_id", "week", name=op.f("pk_weekly_reports")),
    )


def downgrade() -> None:
    op.drop_table("weekly_reports")
