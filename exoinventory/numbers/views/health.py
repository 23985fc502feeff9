"""/healthz: liveness JSON for the compose healthcheck and outside monitoring.

Unhealthy (503) when the database cannot be queried, or when an account's
inventory is stale: its last good sync started more than
STALE_AFTER_INTERVALS (selectors.sync) sync intervals ago. An account with no good sync yet
is stale only once its first sync run is that old, so a fresh install is
healthy while its first sync runs; an account with no sync run at all (only
possible when added by hand) is not stale, as nothing says how long it has
waited. Nothing secret is read here: account sids and times only.
"""

import logging
from datetime import datetime

from django.db import Error as DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exoinventory.exotel.dates import format_rfc3339
from exoinventory.numbers.selectors.sync import (
    first_sync_by_account,
    last_good_sync_by_account,
    stale_after,
)

logger = logging.getLogger(__name__)


def _account_health(
    *, sid: str, last_good: datetime | None, first_run: datetime | None, now: datetime
) -> dict[str, object]:
    if last_good is None:
        return {
            "account_sid": sid,
            "last_good_sync": None,
            "age_seconds": None,
            "stale": first_run is not None and now - first_run > stale_after(),
        }
    return {
        "account_sid": sid,
        "last_good_sync": format_rfc3339(last_good),
        "age_seconds": int((now - last_good).total_seconds()),
        "stale": now - last_good > stale_after(),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database reachable and every account's last good sync recent: 200, else 503."""
    now = timezone.now()
    try:
        last_good = last_good_sync_by_account()
        first_runs = first_sync_by_account(
            [sid for sid, moment in last_good.items() if moment is None]
        )
    except DatabaseError as error:
        # The driver's first line names host and port, never the password.
        logger.warning("healthz: database unreachable: %s", str(error).split("\n", 1)[0])
        body: dict[str, object] = {
            "status": "unhealthy",
            "database": "unreachable",
            "accounts": [],
            "checked_at": format_rfc3339(now),
        }
        return JsonResponse(body, status=503)

    accounts = [
        _account_health(sid=sid, last_good=moment, first_run=first_runs.get(sid), now=now)
        for sid, moment in sorted(last_good.items())
    ]
    healthy = not any(account["stale"] for account in accounts)
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": "ok",
        "accounts": accounts,
        "checked_at": format_rfc3339(now),
    }
    return JsonResponse(body, status=200 if healthy else 503)
