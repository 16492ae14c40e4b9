"""gift cards (sold vouchers) and their web reservations; the price history per product and channel;
loyalty points redeemed as a discount; products' net contents (Grundpreis)

Revision ID: 0015_gift_cards
Revises: 0009_event_time_breach
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0015_gift_cards"
down_revision = "0012_stock_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gift_cards',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('sale_reference', sa.String(length=60), nullable=False),
    sa.Column('sold_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['code'], ['vouchers.code'], ),
    sa.PrimaryKeyConstraint('code'),
    sa.UniqueConstraint('sale_reference')
    )
    op.create_table('gift_card_reservations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['code'], ['vouchers.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'reference', name='uq_gift_card_reservations_ref')
    )
    op.create_index('ix_gift_card_reservations_code', 'gift_card_reservations', ['code'], unique=False)
    op.create_table('price_history',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.Column('valid_from', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_price_history_product_channel', 'price_history', ['product_id', 'channel', 'valid_from'],
                    unique=False)

    op.create_table('loyalty_redemptions',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('sale_reference', sa.String(length=60), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('discount_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'reference', name='uq_loyalty_redemptions_ref')
    )
    op.create_index('ix_loyalty_redemptions_customer_id', 'loyalty_redemptions', ['customer_id'], unique=False)

    op.create_table('product_contents',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=4), nullable=False),
    sa.Column('per_100', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('product_id')
    )


def downgrade() -> None:
    op.drop_table('product_contents')
    op.drop_index('ix_loyalty_redemptions_customer_id', table_name='loyalty_redemptions')
    op.drop_table('loyalty_redemptions')
    op.drop_index('ix_price_history_product_channel', table_name='price_history')
    op.drop_table('price_history')
    op.drop_index('ix_gift_card_reservations_code', table_name='gift_card_reservations')
    op.drop_table('gift_card_reservations')
    op.drop_table('gift_cards')
