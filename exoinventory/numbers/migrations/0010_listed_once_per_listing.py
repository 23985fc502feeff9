"""A listing that finds a number where it was no longer writes its row: the
moment is kept once, on the account, and a release candidate is marked by
`unlisted_since` instead of by a last_seen older than the last listing."""

from django.db import migrations, models
from django.db.models import Max, Q


def mark_candidates(apps, schema_editor):
    account_model = apps.get_model("numbers", "Account")
    phone_model = apps.get_model("numbers", "ExoPhone")
    run_model = apps.get_model("numbers", "SyncRun")
    for account in account_model.objects.all():
        listing = (
            run_model.objects.filter(
                account=account,
                kind="listing",
                outcome__in=["success", "partial"],
                listing_complete=True,
            )
            .order_by("-started_at")
            .first()
        )
        if listing is None:
            continue
        current = phone_model.objects.filter(account=account, released_at__isnull=True)
        # What the last listing saw was stamped on every number it had.
        account.listed_at = current.aggregate(latest=Max("last_seen"))["latest"]
        account.save(update_fields=["listed_at"])
        current.filter(last_seen__lt=listing.started_at).update(unlisted_since=listing.started_at)


class Migration(migrations.Migration):
    dependencies = [
        ("numbers", "0009_help_texts_without_utc"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="listed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the account's latest complete listing was complete: the moment"
                " every number it had was last seen.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="exophone",
            name="unlisted_since",
            field=models.DateTimeField(
                blank=True,
                help_text="Missing from every complete listing since then: a release candidate"
                " until a listing has it again or Exotel confirms it gone.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="exophone",
            name="last_seen",
            field=models.DateTimeField(
                help_text="When a listing last had the number, as of the last time it went"
                " missing or came back."
            ),
        ),
        migrations.AddIndex(
            model_name="exophone",
            index=models.Index(
                condition=Q(unlisted_since__isnull=False),
                fields=["account", "unlisted_since"],
                name="exophone_unlisted",
            ),
        ),
        migrations.RunPython(mark_candidates, migrations.RunPython.noop),
    ]
