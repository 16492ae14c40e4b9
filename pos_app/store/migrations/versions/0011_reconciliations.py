"""reconciliations: the store's copy of its open items (exceptions) from the center

Revision ID: 0007_reconciliations
Revises: 0009_pickups
"""
from alembic import op
import sqlalchemy as sa


revision = "0011_reconciliations"
down_revision = "0010_customer_folding_tenders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconciliations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('refs', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.String(length=40), nullable=False),
    sa.Column('closed_at', sa.String(length=40), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.Column('closed_by', sa.String(length=80), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('local_resolution', sa.String(length=20), nullable=True),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('reconciliations')
