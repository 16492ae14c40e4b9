"""received_at: when the center recorded a customer note or a service-case step (issue 12)

A note's or a step's `created_at` is when it happened: a till's time moved onto the center's
clock by the event-time rule (backend.trusted_time). `received_at` is the center's own clock
when it recorded it, the order in which the center learnt of them (lists are ordered by it).
Over-returns, overdrawn vouchers and unknown-product sales need no new column: they are
reconciliations (kinds over_return, voucher_overdrawn, unknown_product).

Revision ID: 0010_over_returns
Revises: 0009_event_time_breach
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = "0010_over_returns"
down_revision = "0014_promotions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customer_notes') as batch:
        batch.add_column(sa.Column('received_at', TIMESTAMP, nullable=True))
    with op.batch_alter_table('case_steps') as batch:
        batch.add_column(sa.Column('received_at', TIMESTAMP, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_steps') as batch:
        batch.drop_column('received_at')
    with op.batch_alter_table('customer_notes') as batch:
        batch.drop_column('received_at')
