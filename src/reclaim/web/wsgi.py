"""The WSGI application that `reclaim serve` and any WSGI server run."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
application = get_wsgi_application()
