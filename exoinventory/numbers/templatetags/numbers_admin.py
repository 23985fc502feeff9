"""Template tags of the numbers admin templates (templates/admin/)."""

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince

from exoinventory.numbers.admin.display import status_badge
from exoinventory.numbers.selectors.sync import last_good_sync_by_account, stale_after

register = template.Library()
register.filter("status_badge", status_badge)


@register.simple_tag
def stale_sync_warnings() -> list[str]:
    """One line per account whose last good sync is too old or never happened."""
    now = timezone.now()
    interval = settings.SYNC_INTERVAL_MINUTES
    stale_before = now - stale_after()
    warnings = []
    for sid, last_good in last_good_sync_by_account().items():
        if last_good is None:
            warnings.append(f"Account {sid} has not synced successfully yet.")
        elif last_good < stale_before:
            warnings.append(
                f"Account {sid} last synced successfully {timesince(last_good, now)} ago "
                f"({date_format(timezone.localtime(last_good), 'DATETIME_FORMAT')}); "
                f"syncs are due every {interval} minutes."
            )
    return warnings
