"""Indexes the order lists need at a province's size (issue 17, bench/pg_scale.py).

- ``order_extension_pending``: the dispatcher's 延期审核 queue (``extension_pending``, oldest
  first) read the whole order table for a handful of rows.
- ``order_follow_up_due``: the 待回访 queue (closed by a unit, caller not reached yet; oldest
  closure first) read the whole order table for a few thousand rows.
- ``event_follow_up`` (partial: follow-up events only): the 待回访 queue counts each order's
  回访 tries since its closure; without it the count joined every event of every listed order.
- ``order_category_state``: the count of a list filtered by category and state (the API's
  ``?category=…&state=closed``) fetched tens of thousands of rows from the table; with both
  columns in one index it is an index-only scan.
- ``order_assist_units_trgm`` (PostgreSQL only, pg_trgm): a unit's list is "orders it leads OR
  orders it assists" (hotline.workorders.assisting.assisted_by, a LIKE on the JSON text of
  ``assist_units``); without an index on that expression the OR made PostgreSQL read every order
  for the page count. With it the two arms become one bitmap OR of two indexes. SQLite has no
  such index and needs none at its sizes.
"""

from typing import Any

from django.db import migrations, models

TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS order_assist_units_trgm ON workorders_workorder "
    "USING gin ((UPPER(assist_units::text)) gin_trgm_ops)"
)


def create_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(TRIGRAM_INDEX)


def drop_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS order_assist_units_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0011_review_states"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(extension_pending=True),
                fields=["created_at"],
                name="order_extension_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(fields=["category", "state"], name="order_category_state"),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(state="closed")
                & ~models.Q(current_unit="")
                & ~models.Q(reached=True),
                fields=["closed_at", "id"],
                name="order_follow_up_due",
            ),
        ),
        migrations.AddIndex(
            model_name="workorderevent",
            index=models.Index(
                condition=models.Q(action="follow_up"),
                fields=["order", "at"],
                name="event_follow_up",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
