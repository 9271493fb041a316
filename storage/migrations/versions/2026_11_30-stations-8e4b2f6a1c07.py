"""stations: street and community units carry their station's address, position, head and standard

Revision ID: 8e4b2f6a1c07
Revises: 5d1a7c3e9b20
Create Date: 2026-11-30 02:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8e4b2f6a1c07"
down_revision = "5d1a7c3e9b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("org_units", sa.Column("address", sa.Text(), server_default="", nullable=False))
    op.add_column("org_units", sa.Column("lat", sa.Float(), nullable=True))
    op.add_column("org_units", sa.Column("lon", sa.Float(), nullable=True))
    op.add_column("org_units", sa.Column("geofence_m", sa.Integer(), server_default=sa.text("300"), nullable=False))
    op.add_column("org_units", sa.Column("head_user_id", sa.Uuid(), nullable=True))
    op.add_column("org_units", sa.Column("standard", sa.String(length=16), nullable=True))
    op.add_column(
        "org_units", sa.Column("demonstration", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.create_foreign_key(op.f("fk_org_units_head_user_id_users"), "org_units", "users", ["head_user_id"], ["id"])
    op.create_check_constraint(op.f("ck_org_units_standard"), "org_units", "standard in ('seven_ones','four_haves')")
    # Existing stations are held to their level's standard: 七个一 for streets, 四有 for communities.
    op.execute(
        "update org_units set standard = case level when 'street' then 'seven_ones' "
        "when 'community' then 'four_haves' end"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_org_units_standard"), "org_units", type_="check")
    op.drop_constraint(op.f("fk_org_units_head_user_id_users"), "org_units", type_="foreignkey")
    for column in ("demonstration", "standard", "head_user_id", "geofence_m", "lon", "lat", "address"):
        op.drop_column("org_units", column)
