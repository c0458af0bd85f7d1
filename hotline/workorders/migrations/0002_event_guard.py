from django.db import migrations

from hotline.eventstore.guard import install_event_guard, remove_event_guard


def install(apps, schema_editor):
    install_event_guard(schema_editor.connection)


def remove(apps, schema_editor):
    remove_event_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
