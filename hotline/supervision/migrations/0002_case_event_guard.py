from django.db import migrations

from hotline.eventstore.guard import install_event_guard


def install(apps, schema_editor):
    install_event_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("workorders", "0002_event_guard")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
