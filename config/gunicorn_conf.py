"""gunicorn settings for Gongkai's web (docs/deploy.md).

    gunicorn -c python:config.gunicorn_conf            # from an installed package (pip install .)
    gunicorn -c config/gunicorn_conf.py                # from a checkout

Command-line options win over this file (e.g. ``-w 8``, ``-b 0.0.0.0:8000``). Gongkai's own
settings (database, pool, logging, proxies) come from ``GONGKAI_*`` as for every other command.

preload_app = True, because:
- the schema check in ``create_app()`` runs once, in the master, before any worker is forked:
  an unmigrated database stops gunicorn at once with one clear ``Error:`` and exit status 1,
  instead of every worker failing to boot in turn;
- the workers share the loaded code and templates copy-on-write (less memory per worker).
What it costs: (1) the master holds a database engine before forking; a forked worker drops the
inherited pooled connections (db/session.py) so no two processes share a socket;
(2) ``kill -HUP`` re-forks workers from the already loaded code: after an upgrade, *restart*
the service (``systemctl restart gongkai-web``), never just reload it.
"""
from __future__ import annotations

import os

from workflow.logs import log_level, logging_config
from workflow.settings import load_settings

_settings = load_settings()

wsgi_app = "web:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # behind nginx on the same host
# Sync workers: one request at a time per worker; nginx buffers slow clients, so a worker is never
# held by a slow upload. WEB_CONCURRENCY is gunicorn's own convention; default 4 (2-4 × CPU cores).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
preload_app = True

# A request that takes longer is killed (the worker is replaced): the slowest legitimate pages are
# the DOCX annual report and the overdue export, well under a minute.
timeout = 120
graceful_timeout = 30  # on SIGTERM, running requests get this long to finish
keepalive = 5
# Recycle workers now and then (with jitter, so not all at once) to bound slow memory growth.
max_requests = 2000
max_requests_jitter = 200
# Request size is limited by the app (limits.request_max_bytes) and nginx's client_max_body_size.
limit_request_line = 8190

# Logging: Gongkai's format (GONGKAI_LOG_FORMAT text|json) for gunicorn's own lines too, on standard
# error; gunicorn's access log is off: the app logs every request with its id, user and duration.
accesslog = None
errorlog = "-"
loglevel = log_level(_settings).lower()
logconfig_dict = logging_config(_settings, gunicorn=True)
capture_output = False
proc_name = "gongkai-web"
# X-Forwarded-Proto from these addresses sets wsgi.url_scheme; the app's ProxyFix
# (GONGKAI_TRUSTED_PROXIES) decides the client address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn ≥ 25.1 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# two gunicorns of one user (two sites, a test run) would fight over it. Gongkai does not use gunicornc.
# (Older gunicorn ignores the unknown setting.)
control_socket_disable = True
