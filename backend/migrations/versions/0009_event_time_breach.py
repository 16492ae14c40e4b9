"""return breach: when the center dates a sale or a return (its own rule), and a breach of the return policy

A return booked offline that breaks the window or a final-sale rule is still booked (the goods
came back, the money went out); the center marks it with what was broken and the amount at stake.

Revision ID: 0009_event_time_breach
Revises: 0005_pickups
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = "0009_event_time_breach"
down_revision = "0008_digital_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sales') as batch:
        batch.add_column(sa.Column('event_time', TIMESTAMP, nullable=True))
    with op.batch_alter_table('returns') as batch:
        batch.add_column(sa.Column('event_time', TIMESTAMP, nullable=True))
        batch.add_column(sa.Column('event_time_basis', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('policy_breach', sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column('policy_breach_cents', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('returns') as batch:
        batch.drop_column('policy_breach_cents')
        batch.drop_column('policy_breach')
        batch.drop_column('event_time_basis')
        batch.drop_column('event_time')
    with op.batch_alter_table('sales') as batch:
        batch.drop_column('event_time')
