"""gift cards: the balances this till last saw (the offline rule); price indications: the lowest
30-day price of reduced products from the feed (§ 11 PAngV); product_contents: net contents (Grundpreis)

Revision ID: 0021_gift_cards
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0021_gift_cards"
down_revision = "0018_stock_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gift_card_balances',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('balance_cents', sa.Integer(), nullable=False),
    sa.Column('pending_cents', sa.Integer(), nullable=False),
    sa.Column('taken_here_cents', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('price_indications',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('lowest_30_days_cents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('product_id', 'store_id')
    )
    op.create_table('product_contents',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=4), nullable=False),
    sa.Column('per_100', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('product_id')
    )


def downgrade() -> None:
    op.drop_table('product_contents')
    op.drop_table('price_indications')
    op.drop_table('gift_card_balances')
