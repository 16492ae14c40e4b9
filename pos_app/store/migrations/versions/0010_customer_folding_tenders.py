"""customers: one folding of names for search, shared with the center
(pos_app.customers.folding). customer_keys gets the folded first and last name and the folding
version its keys were made with; the name index (FTS5) now runs over the folded names instead
of the raw ones (unicode61 could not fold ł, ø, đ or a spelled-out umlaut); every customer's
keys are computed again, phonetic codes and phone keys included (both changed with the
folding).
taken_tenders: the tenders of a payment in progress, recorded as they are taken, so that a crash
in the middle of a payment leaves a record for the manager (pos_app.store.tender_log).

Revision ID: 0010_customer_folding_tenders
Revises: 0009_pickups
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_customer_folding_tenders"
down_revision = "0009_pickups"
branch_labels = None
depends_on = None

_OLD_TRIGGERS = ('customers_ai', 'customers_ad', 'customers_au')
_NEW_TRIGGERS = ('customer_keys_ai', 'customer_keys_ad', 'customer_keys_au')


def upgrade() -> None:
    op.create_table('taken_tenders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('payment_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('given_cents', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), server_default='', nullable=False),
    sa.Column('taken_at', sa.String(length=32), nullable=False),
    sa.Column('cashier_id', sa.Integer(), nullable=False),
    sa.Column('cashier_name', sa.String(length=120), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('cart', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), server_default='open', nullable=False),
    sa.Column('sale_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('resolved_by', sa.String(length=120), server_default='', nullable=False),
    sa.Column('resolved_at', sa.String(length=32), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_taken_tenders_payment', 'taken_tenders', ['payment_id'])
    op.create_index('ix_taken_tenders_state', 'taken_tenders', ['state'])
    op.add_column('customer_keys', sa.Column('first_fold', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('customer_keys', sa.Column('last_fold', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('customer_keys', sa.Column('key_version', sa.Integer(), nullable=False, server_default='0'))
    for trigger in _OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS customer_fts")
    from pos_app.store.customers import index_all

    # Keys first, the index after: an external-content FTS5 table must only ever be told to
    # delete values it was given.
    index_all(op.get_bind().connection.dbapi_connection)
    op.execute(
        "CREATE VIRTUAL TABLE customer_name_fts USING fts5(first_fold, last_fold, content='customer_keys', "
        "content_rowid='customer_id', tokenize='unicode61 remove_diacritics 0', prefix='2 3')")
    op.execute("INSERT INTO customer_name_fts(customer_name_fts) VALUES ('rebuild')")
    op.execute(
        "CREATE TRIGGER customer_keys_ai AFTER INSERT ON customer_keys BEGIN "
        "INSERT INTO customer_name_fts(rowid, first_fold, last_fold) "
        "VALUES (new.customer_id, new.first_fold, new.last_fold); END")
    op.execute(
        "CREATE TRIGGER customer_keys_ad AFTER DELETE ON customer_keys BEGIN "
        "INSERT INTO customer_name_fts(customer_name_fts, rowid, first_fold, last_fold) "
        "VALUES ('delete', old.customer_id, old.first_fold, old.last_fold); END")
    op.execute(
        "CREATE TRIGGER customer_keys_au AFTER UPDATE OF first_fold, last_fold ON customer_keys BEGIN "
        "INSERT INTO customer_name_fts(customer_name_fts, rowid, first_fold, last_fold) "
        "VALUES ('delete', old.customer_id, old.first_fold, old.last_fold); "
        "INSERT INTO customer_name_fts(rowid, first_fold, last_fold) "
        "VALUES (new.customer_id, new.first_fold, new.last_fold); END")


def downgrade() -> None:
    op.drop_table('taken_tenders')
    for trigger in _NEW_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS customer_name_fts")
    with op.batch_alter_table('customer_keys') as batch:
        batch.drop_column('key_version')
        batch.drop_column('last_fold')
        batch.drop_column('first_fold')
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
