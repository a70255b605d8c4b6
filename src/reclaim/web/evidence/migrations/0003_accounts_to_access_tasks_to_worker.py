"""Survivor accounts now belong to access (same table); captures queue in django-tasks-db.

The old Task table is dropped: a capture still queued when this runs is not carried over (the
person asks again), since its sealed address cannot move to the new queue unread.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0002_delete_signinattempts"),
        ("access", "0002_survivor_accounts_from_evidence"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SurvivorAccount")],
            database_operations=[],
        ),
        migrations.DeleteModel(name="Task"),
    ]
