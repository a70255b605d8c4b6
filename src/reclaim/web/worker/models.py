"""What the worker keeps of its own: which period of each periodic job has been queued."""

from django.db import models


class ScheduledRun(models.Model):
    """One periodic job queued for one period; unique, so two workers never queue it twice."""

    job = models.CharField(max_length=200)  # the task's import path
    period = models.BigIntegerField()  # seconds since 1970 divided by the job's interval

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="one_run_a_period")]
