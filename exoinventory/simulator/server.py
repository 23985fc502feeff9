"""The bundled Exotel simulator: the ExoPhone endpoints of the seeds over real
HTTP on loopback, for the local run, the tests and the benchmarks.

No Django imports; `manage.py exotel_simulator` wraps it. This module routes
requests and shapes the replies. Around it in this package: `data` generates
the numbers and their connectivity, `state` holds and changes them, `faults`
injects faults, latency and the rate limit and counts requests, and
`transport` is the HTTP plumbing.

Endpoints, all behind HTTP basic auth with the simulator's key and token:

- GET /v2_beta/Accounts/{acc}/IncomingPhoneNumbers?Page=P&PageSize=S
  (0-based; PageSize defaults to 50 and is clamped to MAX_PAGE_SIZE; the page
  URIs in the body point at PAGE_URI_HOST, like the documented example)
- GET /v2_beta/Accounts/{acc}/IncomingPhoneNumbers/{sid}
- GET /v2/accounts/{acc}/incoming-phone-numbers/{sid} (the v2 envelope,
  with connectivity)

Errors on v2 paths are v2 envelopes (http_code, a failure item with
error_data, data null); on other paths {"RestException": {"Status": …,
"Message": …}}, the form of Exotel's older APIs.

Control, for tests that run the simulator in another process (no auth:
loopback only): POST /_simulator/{name} with a JSON object of keyword
arguments calls the method of that name (CONTROL_METHODS) and answers
{"result": …}; GET /_simulator/state describes the simulator.
"""

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import re
import threading
from collections.abc import Iterable
from datetime import datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from exoinventory.simulator.faults import (
    BETA_DETAIL,
    LISTING,
    UNKNOWN,
    V2_DETAIL,
    LoggedRequest,
    SimulatorFaults,
)
from exoinventory.simulator.transport import Reply, Server

DEFAULT_ACCOUNT = "ExoSim"
DEFAULT_KEY = "simkey"
DEFAULT_TOKEN = "simtoken"  # noqa: S105 - a fake credential of a local simulator
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# The documented listing's page URIs name this host; a client must build its
# own page URLs and never follow it.
PAGE_URI_HOST = "http://twilix.exotel.com"
# What a proxy or a maintenance page answers in place of the API.
HTML_PAGE = b"<!DOCTYPE html><html><body><h1>We'll be back soon</h1></body></html>"

_ACCOUNT, _SID = r"(?P<account>[^/]+)", r"(?P<sid>[^/]+)"
_ROUTES = (
    (LISTING, re.compile(rf"/v2_beta/Accounts/{_ACCOUNT}/IncomingPhoneNumbers/?")),
    (BETA_DETAIL, re.compile(rf"/v2_beta/Accounts/{_ACCOUNT}/IncomingPhoneNumbers/{_SID}")),
    (V2_DETAIL, re.compile(rf"/v2/accounts/{_ACCOUNT}/incoming-phone-numbers/{_SID}")),
)
CONTROL_PREFIX = "/_simulator/"
CONTROL_METHODS = frozenset(
    {
        "state", "numbers", "add_numbers", "set_field", "remove_number", "restore_number",
        "connectivity", "set_connectivity", "clear_connectivity", "advance", "set_tick", "freeze",
        "fail_next", "timeout_next", "malformed_body_next", "html_body_next", "wrong_shape_next",
        "reset_next", "error_data_next", "partial_next", "hold_next", "wait_held", "release_held",
        "malformed_item", "clear_malformed_item",
        "fail_listing_at_page", "empty_listing_page", "reset_faults", "set_latency",
        "set_rate_limit", "reset_counters", "set_drift",
    }
)  # fmt: skip


def _json_reply(status: int, body: object) -> Reply:
    return Reply(status, json.dumps(body).encode())


class ExotelSimulator(SimulatorFaults):
    """The simulator: state, faults, rate limit and counters (inherited) plus HTTP.

    Usable as a context manager (start on enter, stop on exit). Every method
    may be called from any thread while it serves.
    """

    def __init__(
        self,
        *,
        numbers: int = 100,
        seed: int = 0,
        accounts: Iterable[str] = (DEFAULT_ACCOUNT,),
        key: str = DEFAULT_KEY,
        token: str = DEFAULT_TOKEN,
        latency: float = 0.0,
        rate_limit_per_minute: int | None = None,
        tick_seconds: float = 30.0,
        evolve: bool = True,
        epoch: datetime | None = None,
        drift: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(
            numbers=numbers,
            seed=seed,
            accounts=accounts,
            tick_seconds=tick_seconds,
            evolve=evolve,
            epoch=epoch,
            latency=latency,
            rate_limit_per_minute=rate_limit_per_minute,
        )
        # Flows and prices change by themselves every DRIFT_TICKS ticks, never
        # before the first drift window ends (a frozen simulator at tick 0 never).
        self.set_drift(drift)
        self.key = key
        self.token = token
        self.host = host
        self._requested_port = port
        self._request_ids = itertools.count()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle

    def start(self) -> "ExotelSimulator":
        """Serve in a background thread; port 0 picks a free port."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._stopping.clear()
        self._server = Server((self.host, self._requested_port), self.respond, self._stopping)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="exotel-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests held by latency or a timeout fault are
        dropped, those held by hold_next() answered."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
        self.release_held()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> "ExotelSimulator":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running: start() it first")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in {"", "0.0.0.0"} else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    def account_url(self, account_sid: str) -> str:
        """The account in EXOTEL_ACCOUNTS form: http://KEY:TOKEN@127.0.0.1:PORT/SID."""
        self._account(account_sid)
        scheme, _, address = self.base_url.partition("://")
        credentials = f"{quote(self.key, safe='')}:{quote(self.token, safe='')}"
        return f"{scheme}://{credentials}@{address}/{quote(account_sid, safe='')}"

    @property
    def exotel_accounts(self) -> str:
        """The EXOTEL_ACCOUNTS value for every account of the simulator."""
        return ",".join(self.account_url(sid) for sid in self.account_sids)

    # --- HTTP

    def respond(self, method: str, target: str, authorization: str | None, body: bytes) -> Reply:
        """The reply to one HTTP request (called by the request handler)."""
        path = urlsplit(target).path
        if path.startswith(CONTROL_PREFIX):
            return self._control(path.removeprefix(CONTROL_PREFIX), body)
        kind, account_sid, sid = _route(path)
        self._count_request(kind)
        reply = self._api(method, target, kind, account_sid, sid, authorization)
        reply.delay += self.latency
        self._log_request(LoggedRequest(method, target, kind, account_sid, reply.status))
        return reply

    def _api(
        self,
        method: str,
        target: str,
        kind: str,
        account_sid: str | None,
        sid: str | None,
        authorization: str | None,
    ) -> Reply:
        v2 = target.startswith("/v2/")
        if not self._authorised(authorization):
            reply = self._error(v2, method, 401, "Authentication failed")
            reply.headers["WWW-Authenticate"] = 'Basic realm="Exotel"'
            return reply
        if kind == UNKNOWN:
            return self._error(v2, method, 404, "No such resource")
        if method != "GET":
            return self._error(v2, method, 405, "Only GET is supported")
        if account_sid not in self._accounts:
            return self._error(v2, method, 404, "Not Found")
        retry_after = self._spend(account_sid)
        if retry_after is not None:
            reply = self._error(v2, method, 429, "Too many requests: slow down")
            reply.headers["Retry-After"] = str(retry_after)
            return reply
        fault = self._take_fault(kind, target)
        if fault is not None and fault.kind == "hold":
            self._hold()
            fault = None
        if fault is not None and fault.kind == "fail":
            reply = self._error(v2, method, fault.status, "Injected failure")
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = str(fault.retry_after)
            return reply
        if fault is not None and fault.kind == "partial":
            description = "Connectivity is temporarily unavailable"
            return self._envelope(207, method, _failure(fault.status, description))
        if fault is not None and fault.kind == "html_body":
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        reply = self._serve(kind, method, account_sid, sid, parse_qs(urlsplit(target).query))
        if fault is None:
            return reply
        if fault.kind == "timeout":
            reply.delay += fault.seconds
        elif fault.kind == "malformed_body":
            reply.status, reply.body = 200, reply.body[: len(reply.body) // 2]
        elif fault.kind == "wrong_shape":
            reply.status, reply.body = 200, b"[" + reply.body + b"]"
        elif fault.kind == "reset":
            reply.reset = True
        elif fault.kind == "error_data" and reply.status == 200:
            body = json.loads(reply.body)
            body["response"][0]["error_data"] = _failure(503, "Connectivity is stale")["error_data"]
            reply.body = json.dumps(body).encode()
        return reply

    def _serve(
        self,
        kind: str,
        method: str,
        account_sid: str,
        sid: str | None,
        query: dict[str, list[str]],
    ) -> Reply:
        if kind == LISTING:
            return self._listing(account_sid, query)
        assert sid is not None  # noqa: S101 - both detail routes capture a sid
        if kind == BETA_DETAIL:
            item = self.beta_detail(account_sid, sid)
            if item is None:
                return self._error(False, method, 404, "Not Found")
            return _json_reply(200, item)
        data = self.v2_detail(account_sid, sid)
        if data is None:
            return self._envelope(404, method, _failure(404, "Not Found"))
        return self._envelope(
            200, method, {"code": 200, "error_data": None, "status": "success", "data": data}
        )

    def _listing(self, account_sid: str, query: dict[str, list[str]]) -> Reply:
        try:
            page = int(query.get("Page", ["0"])[0])
            size = int(query.get("PageSize", [str(DEFAULT_PAGE_SIZE)])[0])
        except ValueError:
            return self._error(False, "GET", 400, "Page and PageSize must be whole numbers")
        if page < 0 or size < 1:
            return self._error(False, "GET", 400, "Page must be 0 or more, PageSize 1 or more")
        size = min(size, MAX_PAGE_SIZE)
        failing_status = self._failing_status(page)
        if failing_status is not None:
            return self._error(False, "GET", failing_status, f"Injected failure of page {page}")
        items, more = self.listing_items(account_sid, page * size, (page + 1) * size)
        if self._is_empty_page(page):
            items = []
        base = f"{PAGE_URI_HOST}/v2_beta/Accounts/{quote(account_sid)}/IncomingPhoneNumbers"

        def uri(number: int) -> str:
            return f"{base}?Page={number}&PageSize={size}"

        return _json_reply(
            200,
            {
                "page": page,
                "page_size": size,
                "uri": uri(page),
                "first_page_uri": uri(0),
                "next_page_uri": uri(page + 1) if more else None,
                "previous_page_uri": uri(page - 1) if page else None,
                "incoming_phone_numbers": items,
            },
        )

    def _envelope(self, http_code: int, method: str, item: dict[str, Any]) -> Reply:
        # Derived from the seed and a counter, so the same requests in the
        # same order give the same ids.
        number = next(self._request_ids)
        request_id = hashlib.blake2b(f"{self.seed}|{number}".encode(), digest_size=16).hexdigest()
        body = {
            "request_id": request_id,
            "method": method,
            "http_code": http_code,
            "metadata": {"page_size": 1, "page": 0},
            "response": [item],
        }
        return _json_reply(http_code, body)

    def _error(self, v2: bool, method: str, status: int, description: str) -> Reply:
        if v2:
            return self._envelope(status, method, _failure(status, description))
        return _json_reply(status, {"RestException": {"Status": status, "Message": description}})

    def _authorised(self, header: str | None) -> bool:
        scheme, _, encoded = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            return False
        return hmac.compare_digest(given, f"{self.key}:{self.token}".encode())

    def _control(self, name: str, body: bytes) -> Reply:
        if name not in CONTROL_METHODS:
            return _json_reply(
                404, {"error": f"no control {name!r}; try {sorted(CONTROL_METHODS)}"}
            )
        try:
            kwargs = json.loads(body or b"{}")
            if not isinstance(kwargs, dict):
                raise TypeError("the body must be a JSON object of keyword arguments")
            result = getattr(self, name)(**kwargs)
        except KeyError as exc:
            return _json_reply(400, {"error": exc.args[0]})
        except (TypeError, ValueError) as exc:
            return _json_reply(400, {"error": str(exc)})
        return _json_reply(200, {"result": result})


def _route(path: str) -> tuple[str, str | None, str | None]:
    """(kind, account sid, exophone sid) of an API path."""
    for kind, pattern in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            groups = match.groupdict()
            sid = groups.get("sid")
            return kind, unquote(groups["account"]), unquote(sid) if sid else None
    return UNKNOWN, None, None


def _failure(code: int, description: str) -> dict[str, Any]:
    """A failed item of the v2 envelope. Exotel documents error code 1000 for
    Not Found; for other failures the item's error code is the HTTP status."""
    try:
        message = HTTPStatus(code).phrase
    except ValueError:
        message = "Error"
    error_data = {
        "code": 1000 if code == 404 else code,
        "description": description,
        "message": message,
    }
    return {"code": code, "error_data": error_data, "status": "failure", "data": None}
