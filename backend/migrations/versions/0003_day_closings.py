"""day closings: the tills' Z reports (event day.closed)

Revision ID: 0003_day_closings
Revises: 0002_orders_returns
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = '0003_day_closings'
down_revision = '0002_orders_returns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('day_closings',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('z_number', sa.Integer(), nullable=False),
    sa.Column('opened_at', TIMESTAMP, nullable=False),
    sa.Column('closed_at', TIMESTAMP, nullable=False),
    sa.Column('closed_by', sa.String(length=80), nullable=False),
    sa.Column('sales_count', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('cash_expected_cents', sa.BigInteger(), nullable=False),
    sa.Column('cash_counted_cents', sa.BigInteger(), nullable=False),
    sa.Column('cash_difference_cents', sa.BigInteger(), nullable=False),
    sa.Column('pending_events', sa.Integer(), nullable=False),
    sa.Column('report', JSON_DATA, nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index('ux_day_closings_device_z', 'day_closings', ['device_id', 'z_number'], unique=True)


def downgrade() -> None:
    op.drop_index('ux_day_closings_device_z', table_name='day_closings')
    op.drop_table('day_closings')
