"""returns, vouchers, the synced return policy (seeded with the defaults), price history

Revision ID: 0004_returns
Revises: 0003_shifts
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_returns'
down_revision = '0003_shifts'
branch_labels = None
depends_on = None

# The default return policy as it was when this migration was written (the center's feed
# replaces it with the center's at the first pull).
_DEFAULT_POLICY = (
    '{"blind_limit_cents":10000,"blind_limit_days":365,"blind_price_days":30,"blind_returns_allowed":true,'
    '"category_rules":[{"category":"Sofas","returnable":true,"window_days":14}],'
    '"final_sale_categories":["Feinkost"],"final_sale_product_ids":[],'
    '"reason_codes":[{"code":"gefaellt_nicht","label":"Gefällt nicht","needs_text":false},'
    '{"code":"passt_nicht","label":"Passt nicht / falsche Größe","needs_text":false},'
    '{"code":"defekt","label":"Defekt / beschädigt","needs_text":false},'
    '{"code":"falsch_geliefert","label":"Falscher Artikel geliefert","needs_text":false},'
    '{"code":"sonstiges","label":"Sonstiges","needs_text":true}],'
    '"refund_as_store_credit":false,"updated_at":"","version":0,"window_days":30}')

# A changed price is remembered with the moment it stopped being valid.
_PRICE_TRIGGER = (
    "CREATE TRIGGER prices_history_au AFTER UPDATE OF gross_cents ON prices "
    "WHEN old.gross_cents IS NOT new.gross_cents BEGIN "
    "INSERT INTO price_history (product_id, store_id, gross_cents, until) "
    "VALUES (old.product_id, old.store_id, old.gross_cents, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')); END")


def upgrade() -> None:
    op.create_table('returns',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('return_number', sa.String(length=40), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('cashier_id', sa.Integer(), nullable=False),
    sa.Column('cashier_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('original_kind', sa.String(length=8), nullable=True),
    sa.Column('original_id', sa.String(length=40), nullable=True),
    sa.Column('original_number', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.String(length=80), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('exchange_sale_id', sa.String(length=36), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('return_number')
    )
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index('ix_returns_original', ['original_kind', 'original_id'], unique=False)
        batch_op.create_index('ix_returns_customer', ['customer_id'], unique=False)
    op.create_table('return_lines',
    sa.Column('return_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('original_line_no', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refund_cents', sa.Integer(), nullable=False),
    sa.Column('vat_percent', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('reason_text', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('return_id', 'line_no')
    )
    op.create_table('return_tenders',
    sa.Column('return_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('return_id', 'seq')
    )
    op.create_table('vouchers',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('initial_cents', sa.Integer(), nullable=False),
    sa.Column('balance_cents', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.String(length=32), nullable=False),
    sa.Column('return_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('store_policies',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('price_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('gross_cents', sa.Integer(), nullable=False),
    sa.Column('until', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('price_history', schema=None) as batch_op:
        batch_op.create_index('ix_price_history_product_store', ['product_id', 'store_id', 'until'], unique=False)
    policies = sa.table("store_policies", sa.column("key", sa.String()), sa.column("data", sa.Text()),
                        sa.column("updated_at", sa.String()))
    op.bulk_insert(policies, [{"key": "returns", "data": _DEFAULT_POLICY, "updated_at": ""}])
    op.execute(_PRICE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS prices_history_au")
    for table in ('price_history', 'store_policies', 'vouchers', 'return_tenders', 'return_lines', 'returns'):
        op.drop_table(table)
