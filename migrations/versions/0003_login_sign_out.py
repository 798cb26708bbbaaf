"""login sessions end on the server: login_token.signed_out_at

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:00:00

A used login link is the dashboard session it started; the cookie names it and signing
out marks it, so a copied cookie is refused after sign-out. Sessions started before this
revision named only the login instant: they end (the supervisor writes MASUK again).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_out_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('login_token', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('signed_out_at')
