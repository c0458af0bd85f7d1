from django.db import migrations

from hotline.eventstore.guard import install_event_guard


def install(apps, schema_editor):
    # Attachments are sealed evidence now: their rows are append-only like the events.
    install_event_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0009_moved_to_reference")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
