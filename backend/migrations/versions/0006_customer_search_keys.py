"""customer_search_keys: the customers' folded search keys (name words, phonetic codes, phone,
e-mail; backend.customer_search, folded by pos_app.customers.folding as at the till), filled for
every customer already there

Revision ID: 0006_customer_search_keys
Revises: 0005_pickups
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_customer_search_keys"
down_revision = "0005_pickups"
branch_labels = None
depends_on = None

KEY = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
CHUNK = 20_000


def upgrade() -> None:
    op.create_table('customer_search_keys',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('key', KEY, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'kind', 'key'),
    )
    op.create_index('ix_customer_search_keys_lookup', 'customer_search_keys', ['kind', 'key', 'customer_id'])
    from backend.customer_search import KEY_COLUMNS, key_rows

    conn = op.get_bind()
    keys = sa.table('customer_search_keys', *(sa.column(c) for c in KEY_COLUMNS))
    last = -(2 ** 62)
    while True:
        people = conn.execute(sa.text(
            "SELECT id, first_name, last_name, phone, email FROM customers WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": CHUNK}).all()
        if not people:
            break
        rows = [dict(zip(KEY_COLUMNS, r)) for p in people
                for r in key_rows(p.id, p.first_name or "", p.last_name or "", p.phone or "", p.email or "")]
        if rows:
            conn.execute(keys.insert(), rows)
        last = people[-1].id


def downgrade() -> None:
    op.drop_index('ix_customer_search_keys_lookup', table_name='customer_search_keys')
    op.drop_table('customer_search_keys')
