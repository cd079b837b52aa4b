"""Django settings of the test CAS server (django-mama-cas), run only inside the test-only venv ``.cas-venv``.

Never imported by Gongkai or its tests: ``serve.py`` runs in a separate interpreter. Users and their CAS
attributes come from the JSON file named by ``CAS_TEST_USERS`` (written by the test fixture).
"""
import os

BASE = os.environ["CAS_TEST_STATE_DIR"]
SECRET_KEY = "test-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "django.contrib.messages", "mama_cas"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
ROOT_URLCONF = "cas_urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE, "cas.sqlite3")}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; test users only
# Service tickets live 10 s by default in mama-cas; the tests follow redirects at once.
MAMA_CAS_SERVICES = [{
    "SERVICE": r"^http://127\.0\.0\.1:\d+/",
    "CALLBACKS": ["cas_attributes.from_users_file"],
    "LOGOUT_ALLOW": True,  # single sign-out: POST a SAML logoutRequest to the service at CAS logout
}]
MAMA_CAS_FOLLOW_LOGOUT_URL = True
