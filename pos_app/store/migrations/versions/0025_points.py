"""sale_price_indications: the lowest 30-day price (§ 11 PAngV) a sale's reduced line stated,
kept with the sale so that a reprint says what the first print said (issue 15)

Revision ID: 0025_points
Revises: 0020_promotions
"""
from alembic import op
import sqlalchemy as sa


revision = "0025_points"
down_revision = "0016_over_returns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sale_price_indications',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('lowest_30_days_cents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sale_id', 'line_no')
    )


def downgrade() -> None:
    op.drop_table('sale_price_indications')
