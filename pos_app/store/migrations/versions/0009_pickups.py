"""pickups: the store's copy of its click-and-collect orders and reservations

Revision ID: 0009_pickups
Revises: 0008_customers
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_pickups'
down_revision = '0008_customers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pickups',
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('local_state', sa.String(length=20), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('second_person', sa.String(length=120), nullable=False),
    sa.Column('payment', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('pickup_by', sa.String(length=32), nullable=False),
    sa.Column('ready_at', sa.String(length=32), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.Column('picks', sa.Text(), nullable=False),
    sa.Column('seen', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('order_number')
    )


def downgrade() -> None:
    op.drop_table('pickups')
