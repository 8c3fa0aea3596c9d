"""WSGI entry point for production servers (``netsafe.web.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

from netsafe.web import startup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsafe.web.settings")
application = get_wsgi_application()
# Any server that loads the application (gunicorn, runserver, another) refuses to
# answer with the public development secret when NETSAFE_ENV was left unset.
startup.check()
