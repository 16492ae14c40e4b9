"""quick keys: this store's product grid as the center's feed last brought it (pos_app.quick_keys)

Revision ID: 0017_quick_keys
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0017_quick_keys"
down_revision = "0015_clock_offset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quick_keys',
    sa.Column('page', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('page_order', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('image', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('page', 'position')
    )


def downgrade() -> None:
    op.drop_table('quick_keys')
