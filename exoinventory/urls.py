from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from exoinventory.numbers.views.health import healthz
from exoinventory.numbers.views.heartbeat import exotel_heartbeat

# The site is the admin: its index is "Status now" (templates/admin/index.html),
# where "View site" and the bare host lead.
admin.site.site_url = reverse_lazy("admin:index")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index")),
    path("admin/", admin.site.urls),
    path("reports/", include("exoinventory.numbers.reports.urls")),
    path("healthz", healthz, name="healthz"),
    path("webhooks/exotel/heartbeat/<str:secret>/", exotel_heartbeat, name="exotel-heartbeat"),
]
