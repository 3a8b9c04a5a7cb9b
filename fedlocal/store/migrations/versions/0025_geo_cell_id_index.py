"""The cell index ends with the post id, so a radius query reads a window of ids per cell

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL reads the newest posts of an area window by window (fedlocal/store/nearby.py):
    # with the id in the index, each window costs the posts of the area within it, not
    # every post of its cells. On SQLite the old index already ended with the rowid.
    op.create_index(op.f("ix_objects_geo_cell_id"), "objects", ["geo_cell", "id"])
    op.drop_index(op.f("ix_objects_geo_cell"), table_name="objects")


def downgrade() -> None:
    op.create_index(op.f("ix_objects_geo_cell"), "objects", ["geo_cell"])
    op.drop_index(op.f("ix_objects_geo_cell_id"), table_name="objects")
