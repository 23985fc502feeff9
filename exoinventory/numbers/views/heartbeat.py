"""POST /webhooks/exotel/heartbeat/<secret>/: Exotel's Heartbeat (services.heartbeat).

The one page without a login and without a CSRF token: Exotel cannot log
in, and no signature is documented, so the secret in the path
(EXOTEL_HEARTBEAT_TOKENS) is what proves the sender, and alone picks the
account. A secret that is no account's answers 404 and records nothing,
whatever the method, so the URL tells a guesser nothing; it is compared in
constant time with every configured secret. Answers:

- 200 {"recorded": true, "numbers_observed": …, …} once the numbers are
  observed, for an account of at most INLINE_NUMBERS current numbers;
- 202 {"recorded": true, "queued": true} for a larger one: the heartbeat is
  the account's last, and a task observes the numbers (within a second
  whatever their number, which observing them here would not be);
- 200 {"recorded": false, "reason": …} for a heartbeat not newer than the
  last (Exotel must not retry it);
- 405 to anything but POST, 413 to a body over 10 MB, 400 with one line to
  a body that is not a heartbeat.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from exoinventory.exotel.accounts import ExotelAccount
from exoinventory.exotel.heartbeat import MAX_BODY_BYTES, HeartbeatError, parse_heartbeat
from exoinventory.numbers.services.heartbeat import heartbeat_receive
from exoinventory.numbers.services.sync import configured_accounts


def _account_of(secret: str) -> ExotelAccount | None:
    """The configured account whose heartbeat secret this is. Every secret is
    compared, in constant time, so the time taken tells nothing either."""
    given = secret.encode()
    found = None
    for sid, expected in settings.EXOTEL_HEARTBEAT_TOKENS.items():
        if hmac.compare_digest(given, expected.encode()):
            found = sid
    if found is None:
        return None
    return {account.sid: account for account in configured_accounts()}.get(found)


def _refused(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"recorded": False, "reason": reason}, status=status)


@csrf_exempt
@never_cache
def exotel_heartbeat(request: HttpRequest, secret: str) -> HttpResponse:
    account = _account_of(secret)
    if account is None:
        raise Http404
    if request.method != "POST":
        response = _refused(405, "only POST")
        response["Allow"] = "POST"
        return response
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _refused(400, "Content-Length is not a number")
    if declared > MAX_BODY_BYTES:
        return _refused(413, f"the body is over {MAX_BODY_BYTES:,} bytes")
    # Read from the stream, not request.body (capped by DATA_UPLOAD_MAX_MEMORY_SIZE,
    # 2.5 MB): this body's cap is its own.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refused(413, f"the body is over {MAX_BODY_BYTES:,} bytes")
    try:
        report = parse_heartbeat(body)
    except HeartbeatError as error:
        return _refused(400, str(error))
    outcome = heartbeat_receive(account=account, report=report, received_at=timezone.now())
    if not outcome.recorded:
        return _refused(200, "not newer than the last heartbeat: nothing changed")
    if outcome.queued:
        return JsonResponse({"recorded": True, "queued": True}, status=202)
    return JsonResponse(
        {
            "recorded": True,
            "numbers_observed": outcome.numbers_observed,
            "unknown_sids": outcome.unknown_sids,
            "sweep_started": outcome.sweep_started,
        }
    )
