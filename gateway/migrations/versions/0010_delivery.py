"""delivery: job queue, webhook endpoints, received AS4 messages; procrastinate schema on PostgreSQL

Revision ID: 0010
Revises: 0003
"""

from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0003"
branch_labels = None
depends_on = None


def _procrastinate_schema() -> str:
    import procrastinate

    return (Path(procrastinate.__file__).parent / "sql" / "schema.sql").read_text()


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "delivery_job",
        sa.Column("id", text(length=26), nullable=False),
        sa.Column("tenant_id", text(length=26), nullable=False),
        sa.Column("task", text(length=40), nullable=False),
        sa.Column("dedupe_key", text(length=200), nullable=False),
        sa.Column("subject_id", text(length=26), nullable=False),
        sa.Column("invoice_id", text(length=26), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", text(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", text(length=500), nullable=True),
        sa.Column("last_code", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_delivery_job_due", "delivery_job", ["status", "run_after"])
    op.create_index("ix_delivery_job_subject", "delivery_job", ["tenant_id", "subject_id"])
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", text(length=26), nullable=False),
        sa.Column("tenant_id", text(length=26), nullable=False),
        sa.Column("url", text(length=2000), nullable=False),
        sa.Column("events", text(length=500), nullable=False),
        sa.Column("data_key_id", text(length=26), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_endpoint_tenant_id", "webhook_endpoint", ["tenant_id"])
    op.create_table(
        "as4_inbound",
        sa.Column("message_id", text(length=300), nullable=False),
        sa.Column("tenant_id", text(length=26), nullable=False),
        sa.Column("invoice_id", text(length=26), nullable=True),
        sa.Column("outcome", text(length=20), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("receipt_content_type", text(length=300), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_as4_inbound_tenant_id", "as4_inbound", ["tenant_id"])
    if op.get_bind().dialect.name == "postgresql":
        # procrastinate's own schema (jobs, workers, functions) at the version installed.
        # Straight to the driver without parameters: the file is many statements, with
        # casts (::) and literal % signs that a parameter layer would misread.
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(_procrastinate_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events,"
            " procrastinate_jobs, procrastinate_workers CASCADE"
        )
    op.drop_table("as4_inbound")
    op.drop_table("webhook_endpoint")
    op.drop_table("delivery_job")
