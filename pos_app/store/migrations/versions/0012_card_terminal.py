"""card terminal: the till's record of every money-moving terminal command (pending first)

Revision ID: 0012_card_terminal
Revises: 0009_pickups
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_card_terminal"
down_revision = "0011_reconciliations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('card_authorisations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('resolved_at', sa.String(length=32), nullable=False),
    sa.Column('receipt_no', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('message', sa.String(length=200), nullable=False),
    sa.Column('slip', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_card_authorisations_state', 'card_authorisations', ['state'])


def downgrade() -> None:
    op.drop_index('ix_card_authorisations_state', 'card_authorisations')
    op.drop_table('card_authorisations')
