"""record claims and login attempts: the owner of a record id before the record exists (its first
photo's uploader); login attempts noted before the password is checked, confirmed when they fail

Revision ID: 5c1e0a7d2f94
Revises: b3c264aed3f3
Create Date: 2026-11-30 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5c1e0a7d2f94"
down_revision = "b3c264aed3f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_claims",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_record_claims_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_claims")),
    )
    # Existing photos keep working: each record id is owned by its first photo's uploader.
    op.execute(
        "insert into record_claims (record_id, owner_id, created_at) "
        "select distinct on (record_id) record_id, uploader_id, created_at from photos "
        "order by record_id, created_at, id on conflict do nothing"
    )
    op.add_column(
        "login_failures", sa.Column("confirmed", sa.Boolean(), server_default=sa.text("true"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("login_failures", "confirmed")
    op.drop_table("record_claims")
