"""as4_inbound: the signal answered is sealed (receipt_ref, receipt_sha256, data_key_id), not kept in clear

Revision ID: 0012
Revises: 0011

Rows written before this revision keep their clear ``receipt`` until the gateway
starts: sealing needs the key-encryption key, which migrations do not have, so
``gateway.delivery.received.seal_legacy`` seals them at startup and empties the column.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("as4_inbound", schema=None) as batch_op:
        batch_op.alter_column("receipt", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column("receipt_sha256", text(length=64), nullable=True))
        batch_op.add_column(sa.Column("receipt_ref", text(length=200), nullable=True))
        batch_op.add_column(sa.Column("data_key_id", text(length=26), nullable=True))


def downgrade() -> None:
    # Sealed signals cannot go back into the clear column without the key: they stay empty.
    op.execute("UPDATE as4_inbound SET receipt = '' WHERE receipt IS NULL")
    with op.batch_alter_table("as4_inbound", schema=None) as batch_op:
        batch_op.drop_column("data_key_id")
        batch_op.drop_column("receipt_ref")
        batch_op.drop_column("receipt_sha256")
        batch_op.alter_column("receipt", existing_type=sa.Text(), nullable=False)
