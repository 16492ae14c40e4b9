"""digital receipts: the receipt model of every sale and return, by the token of its short link

Revision ID: 0013_digital_receipts
Revises: 0005_pickups
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0008_digital_receipts"
down_revision = "0007_reconciliations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digital_receipts',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('source_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('document', JSON_DATA, nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.Column('email_status', sa.String(length=8), nullable=False),
    sa.Column('email_to', sa.String(length=120), nullable=False),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.Column('email_claimed_at', TIMESTAMP, nullable=True),
    sa.Column('emailed_at', TIMESTAMP, nullable=True),
    sa.Column('email_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('token'),
    sa.UniqueConstraint('source_id')
    )
    op.create_index('ix_digital_receipts_customer', 'digital_receipts', ['customer_id'], unique=False)
    op.create_index('ix_digital_receipts_email', 'digital_receipts', ['email_status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_digital_receipts_email', table_name='digital_receipts')
    op.drop_index('ix_digital_receipts_customer', table_name='digital_receipts')
    op.drop_table('digital_receipts')
