from django.db import migrations, models

from hotline.eventstore.guard import install_event_guard


def install(apps, schema_editor):
    # Anchors are append-only like the events they attest.
    install_event_guard(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="Anchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(db_index=True)),
                ("root", models.CharField(max_length=64)),
                ("public_key", models.CharField(max_length=64)),
                ("counts", models.JSONField(default=dict)),
                ("made_by", models.CharField(max_length=16)),
                ("document_gz", models.BinaryField()),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
