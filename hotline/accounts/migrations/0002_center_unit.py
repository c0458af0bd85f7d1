from django.db import migrations


def create_center(apps, schema_editor):
    Unit = apps.get_model("accounts", "Unit")
    Unit.objects.get_or_create(code="center", defaults={"name": "12345热线中心"})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_center, migrations.RunPython.noop)]
