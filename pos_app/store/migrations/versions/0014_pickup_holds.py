"""pickup_holds: the reserved-units index of the store's pickup orders, and pickups.closed_at

The till's walk-in guard asked for the units reserved per product by parsing every pickup order
ever received; this index holds them per open order and product (kept up to date by
pos_app.store.pickup_models.note_change in the transaction that changes an order). Existing
orders are indexed here with SQLite's JSON functions; orders already closed count as closed at
the time of the upgrade, so the retention period starts then.

Revision ID: 0014_pickup_holds
Revises: 0009_pickups
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = "0014_pickup_holds"
down_revision = "0013_digital_receipts"
branch_labels = None
depends_on = None

HOLDING = "('new', 'picking', 'ready', 'expired')"
TERMINAL = "('collected', 'partially_collected', 'cancelled', 'returned_to_stock')"


def upgrade() -> None:
    op.add_column('pickups', sa.Column('closed_at', sa.String(length=32), nullable=True))
    op.create_table('pickup_holds',
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('order_number', 'product_id')
    )
    op.create_index('ix_pickup_holds_product', 'pickup_holds', ['product_id', 'units'])
    op.execute(
        "INSERT INTO pickup_holds (order_number, product_id, units) "
        "SELECT p.order_number, json_extract(j.value, '$.product_id'), "
        "sum(json_extract(j.value, '$.quantity') - json_extract(j.value, '$.short_quantity')) "
        "FROM pickups p, json_each(p.lines) j "
        f"WHERE coalesce(p.local_state, p.state) IN {HOLDING} "
        "GROUP BY p.order_number, json_extract(j.value, '$.product_id') "
        "HAVING sum(json_extract(j.value, '$.quantity') - json_extract(j.value, '$.short_quantity')) > 0")
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    op.execute(sa.text(f"UPDATE pickups SET closed_at = :now WHERE coalesce(local_state, state) IN {TERMINAL}")
               .bindparams(now=now))


def downgrade() -> None:
    op.drop_index('ix_pickup_holds_product', table_name='pickup_holds')
    op.drop_table('pickup_holds')
    op.drop_column('pickups', 'closed_at')
