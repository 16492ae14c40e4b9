"""digital receipts: each sale and return keeps the token of its short link

Revision ID: 0013_digital_receipts
Revises: 0009_pickups
"""
from alembic import op
import sqlalchemy as sa


revision = "0013_digital_receipts"
down_revision = "0012_card_terminal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: sales and returns made before this version have no digital receipt
    op.add_column('sales', sa.Column('receipt_token', sa.String(length=32), nullable=True))
    op.add_column('returns', sa.Column('receipt_token', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('returns') as batch:
        batch.drop_column('receipt_token')
    with op.batch_alter_table('sales') as batch:
        batch.drop_column('receipt_token')
