"""Template tags of the numbers admin templates (templates/admin/)."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince

from exoinventory.numbers.admin.display import status_badge
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.selectors.sync import interval, sync_states

register = template.Library()
register.filter("status_badge", status_badge)


@register.simple_tag
def stale_sync_warnings() -> list[str]:
    """One line per configured account whose listing or sweep is overdue."""
    now = timezone.now()
    warnings = []
    for state in sync_states():
        for kind in state.overdue(now=now):
            name = SyncRun.Kind(kind).label.lower()
            every = int(interval(kind).total_seconds() // 60)
            last = state.last_good[kind]
            if last is None:
                warnings.append(f"Account {state.sid}: no {name} has succeeded yet.")
            else:
                warnings.append(
                    f"Account {state.sid}: the last good {name} finished "
                    f"{timesince(last, now)} ago "
                    f"({date_format(timezone.localtime(last), 'DATETIME_FORMAT')}); "
                    f"one is due every {every} minutes."
                )
    return warnings
