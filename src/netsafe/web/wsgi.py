"""WSGI entry point for production servers (``netsafe.web.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsafe.web.settings")
application = get_wsgi_application()
