"""Daphne's ASGI `runserver`, without loading Daphne in every process.

The `daphne` app imports its whole server (Twisted, Autobahn: about 0.5 s) when Django starts,
only so that `manage.py runserver` serves ASGI. This app offers the same command and imports
Daphne when that command is loaded, so `manage.py ingest` and the workers start faster. It must
stay above `django.contrib.staticfiles` in INSTALLED_APPS, whose `runserver` it overrides.
"""
