"""job leases: background exports and verifications renew a lease; orphans are swept as failed

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "job_lease",
        sa.Column("job_id", text(length=26), nullable=False),
        sa.Column("kind", text(length=20), nullable=False),
        sa.Column("tenant_id", text(length=26), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_job_lease_tenant_id", "job_lease", ["tenant_id"])
    # Exports left "queued" or "running" by a process that stopped before this
    # revision have no lease: the sweep at startup marks them failed (interrupted).


def downgrade() -> None:
    op.drop_index("ix_job_lease_tenant_id", table_name="job_lease")
    op.drop_table("job_lease")
