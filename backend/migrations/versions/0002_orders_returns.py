"""web orders, returns, vouchers, the return policy (seeded with the defaults, which every
store's file also starts with; a policy set later goes into the change feed, where a new device
finds it from cursor 0 too); an index for receipt look-ups

Revision ID: 0002_orders_returns
Revises: 0001_initial
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = '0002_orders_returns'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sales_receipt_number', 'sales', ['receipt_number'], unique=False)
    op.create_table('web_orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.String(length=16), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_number')
    )
    op.create_index('ix_web_orders_customer', 'web_orders', ['customer_id', 'created_at'], unique=False)
    op.create_table('web_order_lines',
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('vat_percent', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['web_orders.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('order_id', 'line_no')
    )
    op.create_index('ix_web_order_lines_product_id', 'web_order_lines', ['product_id'], unique=False)
    op.create_table('web_order_tenders',
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['web_orders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id', 'seq')
    )
    op.create_table('returns',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('return_number', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('original_kind', sa.String(length=8), nullable=True),
    sa.Column('original_id', sa.String(length=40), nullable=True),
    sa.Column('original_number', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('cashier_id', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index('ix_returns_original', 'returns', ['original_kind', 'original_id'], unique=False)
    op.create_index('ix_returns_customer', 'returns', ['customer_id', 'created_at'], unique=False)
    op.create_table('return_lines',
    sa.Column('return_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('original_line_no', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refund_cents', sa.BigInteger(), nullable=False),
    sa.Column('vat_percent', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('reason_text', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('return_id', 'line_no')
    )
    op.create_table('return_tenders',
    sa.Column('return_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('return_id', 'seq')
    )
    op.create_table('vouchers',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('initial_cents', sa.BigInteger(), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('issued_store_id', sa.String(length=16), nullable=False),
    sa.Column('issued_at', TIMESTAMP, nullable=False),
    sa.Column('return_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_store_id'], ['stores.id'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('voucher_movements',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('delta_cents', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['code'], ['vouchers.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'kind', 'reference', name='uq_voucher_movements_ref')
    )
    op.create_index('ix_voucher_movements_code', 'voucher_movements', ['code'], unique=False)
    op.create_table('policies',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('data', JSON_DATA, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    _seed_return_policy()


def _seed_return_policy() -> None:
    """The default policy as it was when this migration was written (pos_app.return_policy's
    DEFAULT_POLICY then; the stores' migration 0004_returns seeds the same)."""
    now = datetime.now(timezone.utc)
    data = {
        "window_days": 30, "final_sale_product_ids": [], "final_sale_categories": ["Feinkost"],
        "category_rules": [{"category": "Sofas", "window_days": 14, "returnable": True}],
        "reason_codes": [
            {"code": "gefaellt_nicht", "label": "Gefällt nicht", "needs_text": False},
            {"code": "passt_nicht", "label": "Passt nicht / falsche Größe", "needs_text": False},
            {"code": "defekt", "label": "Defekt / beschädigt", "needs_text": False},
            {"code": "falsch_geliefert", "label": "Falscher Artikel geliefert", "needs_text": False},
            {"code": "sonstiges", "label": "Sonstiges", "needs_text": True}],
        "refund_as_store_credit": False, "blind_returns_allowed": True, "blind_price_days": 30,
        "blind_limit_cents": 10000, "blind_limit_days": 365, "version": 1, "updated_at": now.isoformat(),
    }
    bind = op.get_bind()
    stamp = now if bind.dialect.name == "postgresql" else now.replace(tzinfo=None)
    policies = sa.table("policies", sa.column("key", sa.String()), sa.column("data", JSON_DATA),
                        sa.column("updated_at", TIMESTAMP), sa.column("note", sa.Text()),
                        sa.column("active", sa.Boolean()))
    bind.execute(policies.insert().values(key="returns", data=data, updated_at=stamp, note="Standard", active=True))


def downgrade() -> None:
    for table in ('policies', 'voucher_movements', 'vouchers', 'return_tenders', 'return_lines', 'returns',
                  'web_order_tenders', 'web_order_lines', 'web_orders'):
        op.drop_table(table)
    op.drop_index('ix_sales_receipt_number', table_name='sales')
    op.execute("DELETE FROM changes WHERE kind = 'policy'")
