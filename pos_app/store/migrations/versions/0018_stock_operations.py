"""stock operations: expected deliveries from the center, receiving drafts scan by scan, counts (issue 14)

Revision ID: 0018_stock_operations
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0018_stock_operations"
down_revision = "0019_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deliveries',
        sa.Column('number', sa.String(length=40), primary_key=True),
        sa.Column('store_id', sa.String(length=16), nullable=False),
        sa.Column('supplier', sa.String(length=80), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('lines', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('received_at', sa.String(length=40), nullable=True),
        sa.Column('received_by', sa.String(length=80), nullable=False, server_default=''),
        sa.Column('booked_event', sa.String(length=36), nullable=True),
    )
    op.create_table(
        'receiving_drafts',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('store_id', sa.String(length=16), nullable=False),
        sa.Column('delivery_number', sa.String(length=40), nullable=True),
        sa.Column('supplier', sa.String(length=80), nullable=False, server_default=''),
        sa.Column('started_by', sa.String(length=80), nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=True),
    )
    op.create_index('ix_receiving_drafts_status', 'receiving_drafts', ['status', 'delivery_number'])
    op.create_table(
        'receiving_lines',
        sa.Column('draft_id', sa.String(length=36), primary_key=True),
        sa.Column('product_id', sa.Integer(), primary_key=True),
        sa.Column('expected', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('received', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('damaged', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('reason', sa.String(length=200), nullable=False, server_default=''),
        sa.Column('position', sa.Integer(), nullable=False, server_default='0'),
    )


    # the variance list of a whole-store count reads this store's stock rows in one index range
    # (pos_app.stock.counts.variance), not every store's (the stock table holds every store's)
    op.create_index('ix_stock_store_product', 'stock', ['store_id', 'product_id', 'quantity'])
    op.create_table(
        'stock_counts',
        sa.Column('count_id', sa.String(length=36), primary_key=True),
        sa.Column('store_id', sa.String(length=16), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('categories', sa.Text(), nullable=False),
        sa.Column('product_ids', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('started_by', sa.String(length=80), nullable=False),
        sa.Column('started_at', sa.String(length=40), nullable=False),
        sa.Column('approved_event', sa.String(length=36), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False, server_default='{}'),
    )
    op.create_table(
        'count_lines',
        sa.Column('count_id', sa.String(length=36), primary_key=True),
        sa.Column('product_id', sa.Integer(), primary_key=True),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('count_lines')
    op.drop_table('stock_counts')
    op.drop_index('ix_stock_store_product', 'stock')
    op.drop_table('receiving_lines')
    op.drop_index('ix_receiving_drafts_status', 'receiving_drafts')
    op.drop_table('receiving_drafts')
    op.drop_table('deliveries')
