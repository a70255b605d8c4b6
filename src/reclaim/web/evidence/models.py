"""The evidence app keeps nothing in the database: evidence lives in the locker's folder.

Which locker is whose account is kept by reclaim.web.access; captures waiting for the worker
are django-tasks-db's rows, their addresses sealed (reclaim.web.evidence.tasks).
"""
