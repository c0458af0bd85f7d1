"""The table of Django's database cache (settings.CACHES), which every server process and
``hotline worker`` share: a database that is migrated has it."""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS hotline_cache")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_unit_review_liaison"),
    ]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
