"""Indexes for the ExoPhone list's filter choices, read by a loose index scan
(selectors.admin.distinct_values) instead of a DISTINCT over every row;
for Status now's latest run per account and kind; and for the count of each
account's current numbers that freshness makes on every page."""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0010_listed_once_per_listing"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="exophone",
            index=models.Index(fields=["region"], name="exophone_region"),
        ),
        migrations.AddIndex(
            model_name="exophone",
            index=models.Index(fields=["number_type"], name="exophone_number_type"),
        ),
        migrations.AddIndex(
            model_name="exophone",
            index=models.Index(fields=["currency"], name="exophone_currency"),
        ),
        migrations.AddIndex(
            model_name="exophone",
            index=models.Index(fields=["cost_centre"], name="exophone_cost_centre"),
        ),
        migrations.AddIndex(
            model_name="exophone",
            index=models.Index(
                condition=Q(released_at__isnull=True), fields=["account"], name="exophone_current"
            ),
        ),
        migrations.AddIndex(
            model_name="syncrun",
            index=models.Index(fields=["account", "kind", "-started_at"], name="syncrun_latest"),
        ),
    ]
