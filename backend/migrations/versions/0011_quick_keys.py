"""quick keys: each store's product grid for goods without a barcode (backend.quick_keys)

Revision ID: 0011_quick_keys
Revises: 0009_event_time_breach
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0011_quick_keys"
down_revision = "0009_event_time_breach"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quick_key_layouts',
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('keys', JSON_DATA, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('store_id')
    )


def downgrade() -> None:
    op.drop_table('quick_key_layouts')
