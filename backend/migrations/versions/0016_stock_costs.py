"""stock costs: a cost price per product, so a count's variance has a value at cost

Revision ID: 0016_stock_costs
Revises: 0014_promotions
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = "0016_stock_costs"
down_revision = "0014_promotions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_costs',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('product_id')
    )


def downgrade() -> None:
    op.drop_table('product_costs')
