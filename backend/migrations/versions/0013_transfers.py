"""transfers: stock between stores, and fulfilment orders of the endless aisle (issue 14)

Revision ID: 0013_transfers
Revises: 0009_event_time_breach
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = "0013_transfers"
down_revision = "0011_quick_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("from_store_id", sa.String(length=16), nullable=False),
        sa.Column("to_store_id", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=28), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking", sa.String(length=60), nullable=False),
        sa.Column("shipped_at", TIMESTAMP, nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["from_store_id"], ["stores.id"]),
        sa.ForeignKeyConstraint(["to_store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_transfers_from_state", "transfers", ["from_store_id", "state"])
    op.create_index("ix_transfers_to_state", "transfers", ["to_store_id", "state"])
    op.create_table(
        "transfer_lines",
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=True),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=True),
        sa.Column("unit_cost_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("transfer_id", "line_no"),
    )
    op.create_index("ix_transfer_lines_product_id", "transfer_lines", ["product_id"])
    op.create_table(
        "fulfilment_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.String(length=16), nullable=False),
        sa.Column("fulfil_from", sa.String(length=16), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("ordered_at", TIMESTAMP, nullable=False),
        sa.Column("ordered_by", sa.String(length=80), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("tracking", sa.String(length=60), nullable=False),
        sa.Column("shipped_at", TIMESTAMP, nullable=True),
        sa.Column("pickup_number", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["fulfil_from"], ["stores.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_fulfilment_from_state", "fulfilment_orders", ["fulfil_from", "state"])
    op.create_index("ix_fulfilment_orders_customer_id", "fulfilment_orders", ["customer_id"])
    op.create_table(
        "fulfilment_lines",
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["fulfilment_orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("order_id", "line_no"),
    )
    op.create_index("ix_fulfilment_lines_product_id", "fulfilment_lines", ["product_id"])


def downgrade() -> None:
    op.drop_table("fulfilment_lines")
    op.drop_table("fulfilment_orders")
    op.drop_table("transfer_lines")
    op.drop_table("transfers")
