"""/reports/: one URL per report (DESIGN.md "Pages"), named reports:<report>."""

from django.urls import path

from exoinventory.numbers.reports.base import reports_index
from exoinventory.numbers.reports.costs import CostsReport
from exoinventory.numbers.reports.flows import FlowsReport
from exoinventory.numbers.reports.inventory import NumbersReport
from exoinventory.numbers.reports.outages import OutagesReport

app_name = "reports"
urlpatterns = [
    path("", reports_index, name="index"),
    path("costs/", CostsReport.as_view(), name="costs"),
    path("flows/", FlowsReport.as_view(), name="flows"),
    path("numbers/", NumbersReport.as_view(), name="numbers"),
    path("outages/", OutagesReport.as_view(), name="outages"),
]
