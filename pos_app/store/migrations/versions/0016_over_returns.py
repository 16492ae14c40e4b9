"""outbox: the lone 5xx failures of an event, kept across restarts (issue 12)

Revision ID: 0016_over_returns
Revises: 0015_clock_offset
"""
from alembic import op
import sqlalchemy as sa


revision = "0016_over_returns"
down_revision = "0020_promotions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('lone_failures', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('lone_failures')
