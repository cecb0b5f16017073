"""Review items grouped by content: ``group_key`` (an opaque digest of the content seen) and
``place`` (where), filled for the items already stored.

Create Date: 2026-12-03 10:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import create_index, drop_index
from rempart.store.review_groups import item_group_key, place_of

revision = "0012"
down_revision = "0011"

_BATCH = 500
_GROUP_INDEX = "ix_review_items_group"


def upgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_key", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(length=200), nullable=True))
    items = sa.table("review_items", sa.column("id", sa.BigInteger()),
                     sa.column("kind", sa.String()), sa.column("entry_id", sa.BigInteger()),
                     sa.column("content_group", sa.String()), sa.column("evidence", sa.JSON()),
                     sa.column("location", sa.JSON()), sa.column("dedup_key", sa.String()),
                     sa.column("group_key", sa.String()), sa.column("place", sa.String()))
    conn = op.get_bind()
    last = -1
    while True:
        rows = conn.execute(sa.select(items).where(items.c.id > last)
                            .order_by(items.c.id).limit(_BATCH)).all()
        if not rows:
            break
        for r in rows:
            conn.execute(sa.update(items).where(items.c.id == r.id).values(
                group_key=item_group_key(r.kind, r.entry_id, r.content_group,
                                         r.evidence or {}, r.dedup_key),
                place=place_of(r.location or {})))
        last = rows[-1].id
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.alter_column("group_key", existing_type=sa.String(length=32), nullable=False)
    create_index("review_items", "group_key", "status", "created_at", name=_GROUP_INDEX)


def downgrade() -> None:
    drop_index("review_items", name=_GROUP_INDEX)
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_column("place")
        batch_op.drop_column("group_key")
