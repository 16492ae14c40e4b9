"""coupon release: a coupon use taken online for a cart that then left without a sale is given back

`released_at`: the till sent coupon.released (void, park, coupon removed); the use no longer counts.
`sold_at`: the use is booked by a sale (its coupon.redeemed event arrived); a release of it is ignored.

Revision ID: 0018_coupon_release
Revises: 0016_stock_costs
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = "0018_coupon_release"
down_revision = "0016_stock_costs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('coupon_redemptions') as batch:
        batch.add_column(sa.Column('released_at', TIMESTAMP, nullable=True))
        batch.add_column(sa.Column('sold_at', TIMESTAMP, nullable=True))
    # uses before this revision: offline ones came with their sale
    op.execute("UPDATE coupon_redemptions SET sold_at = received_at WHERE offline")


def downgrade() -> None:
    with op.batch_alter_table('coupon_redemptions') as batch:
        batch.drop_column('sold_at')
        batch.drop_column('released_at')
