from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ScoreWeight",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64, unique=True)),
                ("weight", models.FloatField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["key"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("weight__gte", 0)), name="score_weight_gte_0"
                    )
                ],
            },
        ),
    ]
