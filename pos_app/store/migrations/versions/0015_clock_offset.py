"""clock: the center's clock offset as this device last measured it, and each event's corrected time

Revision ID: 0015_clock_offset
Revises: 0009_pickups
"""
from alembic import op
import sqlalchemy as sa


revision = "0015_clock_offset"
down_revision = "0014_pickup_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sync_state', sa.Column('clock_offset_ms', sa.Integer(), nullable=True))
    op.add_column('sync_state', sa.Column('clock_round_trip_ms', sa.Integer(), nullable=True))
    op.add_column('sync_state', sa.Column('clock_measured_at', sa.String(length=32), nullable=True))
    op.add_column('sync_state', sa.Column('clock_samples', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('outbox', sa.Column('corrected_at', sa.String(length=32), nullable=True))
    op.add_column('outbox', sa.Column('clock_synced_at', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('clock_synced_at')
        batch.drop_column('corrected_at')
    with op.batch_alter_table('sync_state') as batch:
        batch.drop_column('clock_samples')
        batch.drop_column('clock_measured_at')
        batch.drop_column('clock_round_trip_ms')
        batch.drop_column('clock_offset_ms')
