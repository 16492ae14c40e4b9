"""staff: each person's language for the till's screens (NULL = the store's default from pos.toml)

Revision ID: 0023_staff_language
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0023_staff_language"
down_revision = "0017_quick_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('staff', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('language')
