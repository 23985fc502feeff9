"""/healthz: liveness JSON for the compose healthcheck and outside monitoring.

Unhealthy (503) when the database cannot be queried, or when a configured
account's listing or sweep is overdue: its last good one finished more than
STALE_AFTER_INTERVALS (selectors.sync) of its intervals ago. A kind never
good yet is overdue only once its first run is that old, so a fresh install
is healthy while its first runs go; an account with no run at all (only
possible when added by hand) is not overdue. Accounts no longer in
EXOTEL_ACCOUNTS are left out; an EXOTEL_ACCOUNTS that cannot be read is
unhealthy. Per account it also counts the numbers whose
status is "no data" by the freshness rule (selectors.freshness). Nothing
secret is read here: account sids, times and counts only, and those only for
a logged-in staff user: anyone else (the compose healthcheck, a monitor, an
attacker probing) learns ok or not ok, from the body and the status code.
"""

import logging
from datetime import datetime

from django.db import Error as DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exoinventory.exotel.dates import format_rfc3339
from exoinventory.numbers.models import SyncRun
from exoinventory.numbers.selectors.freshness import Freshness, no_data_by_account
from exoinventory.numbers.selectors.sync import SyncState, accounts_readable, sync_states

logger = logging.getLogger(__name__)


def _account_health(
    state: SyncState, *, numbers: int, no_data: int, now: datetime
) -> dict[str, object]:
    body: dict[str, object] = {"account_sid": state.sid}
    for kind in (SyncRun.Kind.LISTING, SyncRun.Kind.SWEEP):
        last = state.last_good[kind]
        body[f"last_good_{kind}"] = format_rfc3339(last) if last else None
        body[f"{kind}_age_seconds"] = int((now - last).total_seconds()) if last else None
    body["stale"] = bool(state.overdue(now=now))
    body["numbers"] = numbers
    body["numbers_no_data"] = no_data
    return body


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database reachable and every configured account's syncs on time: 200, else 503."""
    now = timezone.now()
    try:
        states = sync_states()
        freshness = Freshness.at(now)
        no_data = no_data_by_account(freshness)
    except DatabaseError as error:
        # The driver's first line names host and port, never the password.
        # Who is asking cannot be told without the database: no details.
        logger.warning("healthz: database unreachable: %s", str(error).split("\n", 1)[0])
        return JsonResponse({"status": "unhealthy"}, status=503)

    accounts = [
        _account_health(
            state,
            numbers=freshness.cadence(state.pk).numbers,
            no_data=no_data.get(state.pk, 0),
            now=now,
        )
        for state in sorted(states, key=lambda state: state.sid)
    ]
    # A web server started without the system checks (gunicorn alone) must
    # not say ok about accounts it cannot read.
    configuration = "ok" if accounts_readable() else "EXOTEL_ACCOUNTS cannot be read"
    healthy = configuration == "ok" and not any(account["stale"] for account in accounts)
    body: dict[str, object] = {"status": "ok" if healthy else "unhealthy"}
    if request.user.is_authenticated and request.user.is_staff:
        body |= {
            "database": "ok",
            "configuration": configuration,
            "accounts": accounts,
            "checked_at": format_rfc3339(now),
        }
    return JsonResponse(body, status=200 if healthy else 503)
