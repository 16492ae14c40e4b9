"""transfers: the store's copy of its transfers and fulfilment orders (issue 14)

Revision ID: 0019_transfers
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0019_transfers"
down_revision = "0023_staff_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("from_store_id", sa.String(length=16), nullable=False),
        sa.Column("to_store_id", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=28), nullable=False),
        sa.Column("local_state", sa.String(length=28), nullable=True),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("picks", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_transfers_state", "transfers", ["state"])
    op.create_table(
        "fulfilment_orders",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=16), nullable=False),
        sa.Column("fulfil_from", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("local_state", sa.String(length=20), nullable=True),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("picks", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_fulfilment_orders_sale_id", "fulfilment_orders", ["sale_id"])
    op.create_table(
        "availability_seen",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=16), nullable=False),
        sa.Column("store_name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("in_transit", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "store_id"),
    )


def downgrade() -> None:
    op.drop_table("availability_seen")
    op.drop_table("fulfilment_orders")
    op.drop_index("ix_transfers_state", table_name="transfers")
    op.drop_table("transfers")
