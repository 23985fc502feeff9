from django.contrib import admin
from django.urls import include, path

from exoinventory.numbers.views.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("reports/", include("exoinventory.numbers.reports.urls")),
    path("healthz", healthz, name="healthz"),
]
