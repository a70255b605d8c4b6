"""Survivor accounts move from the evidence app to access: the table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("evidence", "0002_delete_signinattempts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SurvivorAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("username", models.CharField(max_length=64, unique=True)),
                        ("locker_id", models.CharField(max_length=32, unique=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "evidence_survivoraccount"},
                ),
            ],
            database_operations=[],
        ),
    ]
