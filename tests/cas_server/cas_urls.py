"""URLs of the test CAS server: mama-cas at the root (``/login``, ``/serviceValidate``, ``/p3/serviceValidate`` …)."""
from django.urls import include, path

urlpatterns = [path("", include("mama_cas.urls"))]
