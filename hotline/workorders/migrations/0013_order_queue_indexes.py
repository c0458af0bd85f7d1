"""Indexes for the two busiest pages at a province's size (issue 17, bench/pg_scale.py).

- ``order_state_created``: the dispatcher's queues (待派单, 退单审核, 办结审核) are one state
  each, oldest first. Without an index on both columns PostgreSQL walked the ``created_at`` index
  from the oldest order and threw away every order in another state: the open states are the
  recent orders, so 办结审核's first rows cost 120,000 discarded rows and 44 ms at 1 M events,
  more as the history grows. Now they are the first entries of one index range.
- ``order_assisted_state`` (partial: orders with assisting units): a unit's 协办工单 on its inbox
  tested the JSON text of every open order of the city (27 ms at 10 M events, for the list and
  again for its count). ``assisting.assisted_by`` names the same condition, so the planner reads
  this index, which holds only the orders that have assisting units.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0012_order_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(fields=["state", "created_at"], name="order_state_created"),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("assist_units", []), _negated=True),
                fields=["state", "handle_deadline"],
                name="order_assisted_state",
            ),
        ),
    ]
