"""tse: TSE transactions per sale (or other till transaction) and the development TSE's state

Revision ID: 0007_tse
Revises: 0004_returns
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_tse'
down_revision = '0004_returns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tse_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=True),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('process_type', sa.String(length=30), nullable=False),
    sa.Column('process_data', sa.Text(), nullable=False),
    sa.Column('client_id', sa.String(length=70), nullable=False),
    sa.Column('tx_number', sa.Integer(), nullable=True),
    sa.Column('start', sa.String(length=32), nullable=True),
    sa.Column('end', sa.String(length=32), nullable=True),
    sa.Column('signature_counter', sa.Integer(), nullable=True),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('tse_serial', sa.String(length=68), nullable=False),
    sa.Column('time_format', sa.String(length=40), nullable=False),
    sa.Column('signature_algorithm', sa.String(length=40), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('certified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sale_id')
    )
    with op.batch_alter_table('tse_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_tse_transactions_device_created', ['device_id', 'created_at'], unique=False)

    op.create_table('tse_dev_state',
    sa.Column('serial', sa.String(length=68), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('last_tx_number', sa.Integer(), nullable=False),
    sa.Column('last_signature_counter', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('serial')
    )
    # A TSE counter never goes back: refuse any UPDATE that would lower one, and any DELETE.
    op.execute("CREATE TRIGGER tse_dev_state_monotonic BEFORE UPDATE ON tse_dev_state "
               "WHEN new.last_tx_number < old.last_tx_number "
               "OR new.last_signature_counter < old.last_signature_counter "
               "BEGIN SELECT RAISE(ABORT, 'TSE counters never go back'); END")
    op.execute("CREATE TRIGGER tse_dev_state_no_delete BEFORE DELETE ON tse_dev_state "
               "BEGIN SELECT RAISE(ABORT, 'TSE state is never deleted'); END")


def downgrade() -> None:
    op.execute('DROP TRIGGER IF EXISTS tse_dev_state_no_delete')
    op.execute('DROP TRIGGER IF EXISTS tse_dev_state_monotonic')
    op.drop_table('tse_dev_state')
    with op.batch_alter_table('tse_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_tse_transactions_device_created')
    op.drop_table('tse_transactions')
