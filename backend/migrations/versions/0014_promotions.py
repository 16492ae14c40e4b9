"""promotions: the promotions defined at the center, each store sale's promotions, every coupon redemption

Revision ID: 0014_promotions
Revises: 0009_event_time_breach
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0014_promotions"
down_revision = "0015_gift_cards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('promotions',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('coupon_code', sa.String(length=40), nullable=True),
    sa.Column('starts_at', TIMESTAMP, nullable=True),
    sa.Column('ends_at', TIMESTAMP, nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('ended_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_promotions_coupon_code'), 'promotions', ['coupon_code'], unique=False)
    op.create_table('coupon_redemptions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('promotion_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('saving_cents', sa.BigInteger(), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('over_limit', sa.Boolean(), nullable=False),
    sa.Column('redeemed_at', TIMESTAMP, nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_coupon_redemptions_code', 'coupon_redemptions', ['code'], unique=False)
    op.create_table('sale_promotions',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('promotion_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('saving_cents', sa.BigInteger(), nullable=False),
    sa.Column('definition', JSON, nullable=False),
    sa.Column('lines', JSON, nullable=False),
    sa.PrimaryKeyConstraint('sale_id', 'promotion_id')
    )


def downgrade() -> None:
    op.drop_table('sale_promotions')
    op.drop_index('ix_coupon_redemptions_code', table_name='coupon_redemptions')
    op.drop_table('coupon_redemptions')
    op.drop_index(op.f('ix_promotions_coupon_code'), table_name='promotions')
    op.drop_table('promotions')
