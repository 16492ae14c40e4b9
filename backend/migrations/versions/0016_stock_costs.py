"""stock costs: a cost price per product, so a count's variance has a value at cost; counts can be cancelled

Revision ID: 0016_stock_costs
Revises: 0014_promotions
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = "0016_stock_costs"
down_revision = "0010_over_returns"
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
    # counts can be cancelled (count.cancelled): "cancelled" needs 9 characters (SQLite keeps any length)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('stock_counts', 'status', type_=sa.String(length=10), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE stock_counts SET status = 'booked' WHERE status = 'cancelled'")
        op.alter_column('stock_counts', 'status', type_=sa.String(length=8), existing_nullable=False)
    op.drop_table('product_costs')
