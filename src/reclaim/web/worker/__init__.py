"""The worker: background jobs on django-tasks, stored in the database by django-tasks-db.

- ``jobs``: the explicit list of jobs (captures, re-checks and reminders, hash activation,
  saving the bank's match index) and the schedule of the periodic ones;
- ``runner``: claiming and running tasks, taking back a dead worker's tasks after a lease,
  queueing each periodic job once a period.

Personal mode runs it as a thread of `reclaim serve` (SQLite, no second process); a service
runs `reclaim worker` processes beside its web processes (PostgreSQL), as many as it likes.
This app sits above the feature apps (it names their jobs); none of them imports it.
"""
