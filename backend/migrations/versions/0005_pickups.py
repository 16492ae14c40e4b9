"""pickups: click-and-collect orders and reservations, their lines, the notifications sent

Revision ID: 0005_pickups
Revises: 0004_clienteling
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = '0005_pickups'
down_revision = '0004_clienteling'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pickup_orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('web_order_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('second_person', sa.String(length=120), nullable=False),
    sa.Column('payment', sa.String(length=12), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('pickup_by', TIMESTAMP, nullable=False),
    sa.Column('ready_at', TIMESTAMP, nullable=True),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.Column('handed_over_by', sa.String(length=32), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('refund_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_number')
    )
    op.create_index('ix_pickup_orders_store_state', 'pickup_orders', ['store_id', 'state'])
    op.create_table('pickup_lines',
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('vat_percent', sa.Integer(), nullable=False),
    sa.Column('short_quantity', sa.Integer(), nullable=False),
    sa.Column('short_reason', sa.String(length=200), nullable=False),
    sa.Column('collected_quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['pickup_orders.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('order_id', 'line_no')
    )
    op.create_index('ix_pickup_lines_product_id', 'pickup_lines', ['product_id'])
    op.create_table('pickup_notifications',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['pickup_orders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_pickup_notifications_order_id', 'pickup_notifications', ['order_id'])


def downgrade() -> None:
    op.drop_index('ix_pickup_notifications_order_id', table_name='pickup_notifications')
    op.drop_table('pickup_notifications')
    op.drop_index('ix_pickup_lines_product_id', table_name='pickup_lines')
    op.drop_table('pickup_lines')
    op.drop_index('ix_pickup_orders_store_state', table_name='pickup_orders')
    op.drop_table('pickup_orders')
