"""clienteling: consents with history, profiles, notes, service cases and steps, web carts,
wishlists, the customer of a till sale

Revision ID: 0004_clienteling
Revises: 0003_day_closings
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = '0004_clienteling'
down_revision = '0003_day_closings'
branch_labels = None
depends_on = None


def _customer() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('customer_consents',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', TIMESTAMP, nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=80), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    _customer(), sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_customer_consents_customer', 'customer_consents', ['customer_id', 'channel', 'recorded_at'])
    op.create_table('customer_profiles',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('preferences', JSON_DATA, nullable=False),
    sa.Column('important_dates', JSON_DATA, nullable=False),
    sa.Column('field_times', JSON_DATA, nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=True),
    sa.Column('created_in', sa.String(length=16), nullable=False),
    sa.Column('erased_at', TIMESTAMP, nullable=True),
    _customer(), sa.PrimaryKeyConstraint('customer_id'))
    op.create_table('customer_notes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    _customer(), sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_customer_notes_customer_id', 'customer_notes', ['customer_id'])
    op.create_table('service_cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_number', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opened_at', TIMESTAMP, nullable=False),
    sa.Column('opened_channel', sa.String(length=16), nullable=False),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.Column('closed_channel', sa.String(length=16), nullable=True),
    _customer(), sa.PrimaryKeyConstraint('id'), sa.UniqueConstraint('case_number'))
    op.create_index('ix_service_cases_customer_id', 'service_cases', ['customer_id'])
    op.create_table('case_steps',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['service_cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_case_steps_case', 'case_steps', ['case_id', 'created_at'])
    op.create_table('cart_items',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    _customer(), sa.ForeignKeyConstraint(['product_id'], ['products.id']),
    sa.PrimaryKeyConstraint('customer_id', 'product_id'))
    op.create_table('wishlist_items',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('added_at', TIMESTAMP, nullable=False),
    _customer(), sa.ForeignKeyConstraint(['product_id'], ['products.id']),
    sa.PrimaryKeyConstraint('customer_id', 'product_id'))
    op.create_table('sale_customers',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    _customer(), sa.PrimaryKeyConstraint('sale_id'))
    op.create_index('ix_sale_customers_customer_id', 'sale_customers', ['customer_id'])


def downgrade() -> None:
    for table in ('sale_customers', 'wishlist_items', 'cart_items', 'case_steps', 'service_cases',
                  'customer_notes', 'customer_profiles', 'customer_consents'):
        op.drop_table(table)
