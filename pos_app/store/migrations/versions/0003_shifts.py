"""shifts: opening and closing the till (Z number), cash movements (paid in/out, drops)

Revision ID: 0003_shifts
Revises: 0002_sync
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_shifts'
down_revision = '0002_sync'
branch_labels = None
depends_on = None

_TRIGGERS = {
    # a closed shift is final; nothing is ever deleted
    "shifts_closed_final": "BEFORE UPDATE ON shifts WHEN old.closed_at IS NOT NULL BEGIN "
                           "SELECT RAISE(ABORT, 'a closed shift cannot change'); END",
    "shifts_no_delete": "BEFORE DELETE ON shifts BEGIN SELECT RAISE(ABORT, 'shifts are never deleted'); END",
    "cash_movements_no_update": "BEFORE UPDATE ON cash_movements BEGIN "
                                "SELECT RAISE(ABORT, 'cash movements are append-only'); END",
    "cash_movements_no_delete": "BEFORE DELETE ON cash_movements BEGIN "
                                "SELECT RAISE(ABORT, 'cash movements are append-only'); END",
}


def upgrade() -> None:
    op.create_table('shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.String(length=32), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_name', sa.String(length=80), nullable=False),
    sa.Column('float_cents', sa.Integer(), nullable=False),
    sa.Column('receipt_no_from', sa.Integer(), nullable=False),
    sa.Column('audit_id_from', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.String(length=32), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_by_name', sa.String(length=80), nullable=True),
    sa.Column('z_number', sa.Integer(), nullable=True),
    sa.Column('receipt_no_to', sa.Integer(), nullable=True),
    sa.Column('audit_id_to', sa.Integer(), nullable=True),
    sa.Column('counted_cents', sa.Integer(), nullable=True),
    sa.Column('expected_cents', sa.Integer(), nullable=True),
    sa.Column('pending_events', sa.Integer(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ux_shifts_device_z', 'shifts', ['device_id', 'z_number'], unique=True)
    # at most one open shift per till
    op.create_index('ux_shifts_open', 'shifts', ['device_id'], unique=True, sqlite_where=sa.text('closed_at IS NULL'))
    op.create_table('cash_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('business_case', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cash_movements_shift_id', 'cash_movements', ['shift_id'], unique=False)
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_cash_movements_shift_id', table_name='cash_movements')
    op.drop_table('cash_movements')
    op.drop_index('ux_shifts_open', table_name='shifts')
    op.drop_index('ux_shifts_device_z', table_name='shifts')
    op.drop_table('shifts')
