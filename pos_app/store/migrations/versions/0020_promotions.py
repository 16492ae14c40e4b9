"""promotions: the center's promotions as the feed brought them, the coupons used offline here, each sale's promotions

Revision ID: 0020_promotions
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0020_promotions"
down_revision = "0021_gift_cards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('promotions',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('offline_coupons',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('redemption_id', sa.String(length=36), nullable=False),
    sa.Column('receipt_number', sa.String(length=40), nullable=False),
    sa.Column('used_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('sale_promotions',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('promotion_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('saving_cents', sa.Integer(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sale_id', 'promotion_id')
    )


def downgrade() -> None:
    op.drop_table('sale_promotions')
    op.drop_table('offline_coupons')
    op.drop_table('promotions')
