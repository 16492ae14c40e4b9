"""reconciliations: the open items per store (exceptions) and the payment refunds of cancels

Revision ID: 0007_reconciliations
Revises: 0005_pickups
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0007_reconciliations"
down_revision = "0006_customer_search_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconciliations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('cause', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('refs', JSON, nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('opened_at', TIMESTAMP, nullable=False),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.Column('closed_by', sa.String(length=80), nullable=False),
    sa.Column('closed_ref', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cause')
    )
    op.create_index('ix_reconciliations_store_status', 'reconciliations', ['store_id', 'status'], unique=False)
    op.create_table('payment_refunds',
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('tender_kind', sa.String(length=12), nullable=False),
    sa.Column('payment_reference', sa.String(length=60), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('provider_refund_id', sa.String(length=80), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('refunded_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('idempotency_key')
    )
    op.create_index(op.f('ix_payment_refunds_order_number'), 'payment_refunds', ['order_number'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_payment_refunds_order_number'), table_name='payment_refunds')
    op.drop_table('payment_refunds')
    op.drop_index('ix_reconciliations_store_status', table_name='reconciliations')
    op.drop_table('reconciliations')
