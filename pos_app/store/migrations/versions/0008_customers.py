"""customers: search keys (umlaut-folding name index, phonetic codes, normalised phone and
e-mail) so that the till finds a customer among a million as the cashier types; the customer
attached to a sale (sale_customers) with the loyalty points it earned

Revision ID: 0008_customers
Revises: 0007_tse
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_customers'
down_revision = '0007_tse'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_keys',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone_key', sa.String(length=40), nullable=False, server_default=''),
    sa.Column('email_key', sa.String(length=120), nullable=False, server_default=''),
    sa.Column('first_code', sa.String(length=40), nullable=False, server_default=''),
    sa.Column('last_code', sa.String(length=40), nullable=False, server_default=''),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id'),
    )
    op.create_index('ix_customer_keys_phone', 'customer_keys', ['phone_key'])
    op.create_index('ix_customer_keys_email', 'customer_keys', ['email_key'])
    op.create_index('ix_customer_keys_names', 'customer_keys', ['last_code', 'first_code'])
    op.create_index('ix_customer_keys_first', 'customer_keys', ['first_code'])
    op.create_table('sale_customers',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sale_id'),
    )
    op.create_index('ix_sale_customers_customer', 'sale_customers', ['customer_id'])
    op.execute(
        "CREATE VIRTUAL TABLE customer_fts USING fts5(first_name, last_name, content='customers', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
    op.execute(
        "CREATE TRIGGER customers_ai AFTER INSERT ON customers BEGIN "
        "INSERT INTO customer_fts(rowid, first_name, last_name) VALUES (new.id, new.first_name, new.last_name); END")
    op.execute(
        "CREATE TRIGGER customers_ad AFTER DELETE ON customers BEGIN "
        "INSERT INTO customer_fts(customer_fts, rowid, first_name, last_name) "
        "VALUES ('delete', old.id, old.first_name, old.last_name); END")
    op.execute(
        "CREATE TRIGGER customers_au AFTER UPDATE OF first_name, last_name ON customers BEGIN "
        "INSERT INTO customer_fts(customer_fts, rowid, first_name, last_name) "
        "VALUES ('delete', old.id, old.first_name, old.last_name); "
        "INSERT INTO customer_fts(rowid, first_name, last_name) VALUES (new.id, new.first_name, new.last_name); END")
    op.execute("INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')")
    # The keys themselves are computed by the name folding migration (after 0009), which
    # indexes every customer: pos_app.store.customers.index_all writes that schema's columns.


def downgrade() -> None:
    for trigger in ('customers_ai', 'customers_ad', 'customers_au'):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS customer_fts")
    op.drop_table('customer_keys')
    op.drop_table('sale_customers')
