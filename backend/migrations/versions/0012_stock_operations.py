"""stock operations: expected deliveries (advance shipping notices) and the stores' goods receipts (issue 14)

Revision ID: 0012_stock_operations
Revises: 0009_event_time_breach
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0012_stock_operations"
down_revision = "0013_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('supplier', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('lines', JSON, nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=True),
    sa.Column('received_by', sa.String(length=80), nullable=False),
    sa.Column('receipt_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('number')
    )
    op.create_index('ix_deliveries_store_status', 'deliveries', ['store_id', 'status'], unique=False)
    op.create_table('stock_receipts',
    sa.Column('receipt_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('delivery_number', sa.String(length=40), nullable=True),
    sa.Column('supplier', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('lines', JSON, nullable=False),
    sa.Column('received_by', sa.String(length=80), nullable=False),
    sa.Column('reconciliation_id', sa.String(length=36), nullable=True),
    sa.Column('booked_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('receipt_id')
    )
    op.create_index(op.f('ix_stock_receipts_store_id'), 'stock_receipts', ['store_id'], unique=False)
    op.create_table('stock_counts',
    sa.Column('count_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('categories', JSON, nullable=False),
    sa.Column('product_ids', JSON, nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('started_by', sa.String(length=80), nullable=False),
    sa.Column('started_at', TIMESTAMP, nullable=False),
    sa.Column('booked_at', TIMESTAMP, nullable=True),
    sa.Column('approved_by', sa.String(length=80), nullable=False),
    sa.Column('summary', JSON, nullable=False),
    sa.PrimaryKeyConstraint('count_id')
    )
    op.create_index(op.f('ix_stock_counts_store_id'), 'stock_counts', ['store_id'], unique=False)
    op.create_table('stock_count_lines',
    sa.Column('count_id', sa.String(length=36), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.Integer(), nullable=False),
    sa.Column('figures', JSON, nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('booked_delta', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('count_id', 'product_id')
    )


def downgrade() -> None:
    op.drop_table('stock_count_lines')
    op.drop_index(op.f('ix_stock_counts_store_id'), table_name='stock_counts')
    op.drop_table('stock_counts')
    op.drop_index(op.f('ix_stock_receipts_store_id'), table_name='stock_receipts')
    op.drop_table('stock_receipts')
    op.drop_index('ix_deliveries_store_status', table_name='deliveries')
    op.drop_table('deliveries')
