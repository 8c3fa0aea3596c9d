"""The Django project: settings, URL map, WSGI entry and the shared page templates."""
