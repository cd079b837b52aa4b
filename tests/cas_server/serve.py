"""Run the test CAS server (django-mama-cas) on 127.0.0.1 and a free port: migrate, create the users of
``CAS_TEST_USERS``, print ``READY <port>`` and serve until killed. Runs in ``.cas-venv`` (Makefile ``cas-venv``)."""
import json
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cas_settings")

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    with open(os.environ["CAS_TEST_USERS"], encoding="utf-8") as handle:
        users = json.load(handle)
    model = get_user_model()
    for name, spec in users.items():
        user = model.objects.create_user(username=name, password=spec["password"])
        user.save()
    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=ThreadingServer,
                         handler_class=QuietHandler)
    print(f"READY {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
