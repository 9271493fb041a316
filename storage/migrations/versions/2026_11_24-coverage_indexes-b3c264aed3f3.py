"""coverage indexes: partial indexes for the last approved patrol and last counted visit per site

Revision ID: b3c264aed3f3
Revises: 9950776bb6ee
Create Date: 2026-11-24 12:05:48.469708
"""

import sqlalchemy as sa
from alembic import op

revision = "b3c264aed3f3"
down_revision = "9950776bb6ee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_patrols_facility_id_started_at_approved",
        "patrols",
        ["facility_id", "started_at"],
        unique=False,
        postgresql_where=sa.text("status = 'approved'"),
    )
    op.create_index(
        "ix_visits_subject_id_visited_at_counted",
        "visits",
        ["subject_id", "visited_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('submitted', 'approved')"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_visits_subject_id_visited_at_counted",
        table_name="visits",
        postgresql_where=sa.text("status IN ('submitted', 'approved')"),
    )
    op.drop_index(
        "ix_patrols_facility_id_started_at_approved",
        table_name="patrols",
        postgresql_where=sa.text("status = 'approved'"),
    )
