"""stock costs: the cost price per product as the feed brought it (a count's value at cost)

Revision ID: 0024_stock_costs
Revises: 0020_promotions
"""
from alembic import op
import sqlalchemy as sa


revision = "0024_stock_costs"
down_revision = "0025_points"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_costs',
    sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('product_id')
    )


def downgrade() -> None:
    op.drop_table('product_costs')
