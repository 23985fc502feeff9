"""The bundled Exotel simulator's generated data: the ExoPhones of each
account, their connectivity at any tick, and the items the endpoints render.
The mutable state that holds them lives in the state module.

No Django imports: the simulator runs without settings (tests, benchmarks,
the local run).

Determinism: an account's numbers are drawn from one generator seeded with
(seed, account sid), so for the same seed and accounts the n-th number is
always the same. Connectivity is a function of (seed, account sid, sid,
direction, tick), and its `last_check_time` also of the epoch (the wall time
of tick 0). Drift (flows and prices that change by themselves) is a function
of (seed, account sid, sid, drift window) and of the number's place among the
account's first numbers, its moments also of the epoch. Two simulators with
the same seed and epoch, asked the same requests in the same order, answer
byte-identical bodies.
"""

import bisect
import dataclasses
import hashlib
import heapq
import itertools
import math
import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple

# Region weights: the big metro circles hold most business numbers. "ZZ"
# stands for a code Exotel may add that nobody knows yet.
CIRCLE_WEIGHTS: dict[str, float] = {
    **dict.fromkeys(("DL", "MU"), 8.0),
    "KA": 7.0,
    **dict.fromkeys(("TN", "MH"), 5.0),
    **dict.fromkeys(("KO", "AP", "GJ"), 4.0),
    **dict.fromkeys(
        ("AS", "BR", "HP", "HR", "JK", "KL", "MP", "NE", "OR", "PB", "RJ", "UE", "UW", "WB"), 2.0
    ),
}
UNKNOWN_CIRCLE = "ZZ"
_REGIONS = (*CIRCLE_WEIGHTS, UNKNOWN_CIRCLE)
_REGION_CUM_WEIGHTS = tuple(itertools.accumulate((*CIRCLE_WEIGHTS.values(), 0.8)))
# Landline numbers start with the trunk code of a city of their circle.
_STD_CODES = {
    "AP": "40", "AS": "361", "BR": "612", "DL": "11", "GJ": "79", "HP": "177", "HR": "124",
    "JK": "194", "KA": "80", "KL": "484", "KO": "33", "MH": "20", "MP": "755", "MU": "22",
    "NE": "364", "OR": "674", "PB": "172", "RJ": "141", "TN": "44", "UE": "522", "UW": "120",
    "WB": "343", UNKNOWN_CIRCLE: "11",
}  # fmt: skip

LANDLINE, MOBILE, TOLL_FREE = "Landline", "Mobile", "TollFree"
_TYPES = (LANDLINE, MOBILE, TOLL_FREE)
_TYPE_CUM_WEIGHTS = (60, 90, 100)


class PriceList(NamedTuple):
    one_time: tuple[str, ...]
    rental: tuple[str, ...]
    incoming_rate: tuple[str, ...]


_INR_PRICES = {
    LANDLINE: PriceList(("0.000000", "999.000000"),
                        ("499.000000", "999.000000", "250.750000", "0.000000"), ("0.000000",)),
    MOBILE: PriceList(("0.000000", "1499.500000"),
                      ("999.000000", "1499.500000", "499.000000"), ("0.000000", "0.250000")),
    TOLL_FREE: PriceList(("999.000000", "4999.000000"),
                         ("1499.500000", "2999.000000"), ("0.450000", "0.600000")),
}  # fmt: skip
_USD_PRICES = PriceList(
    ("0.000000", "15.000000"), ("6.000000", "12.500000", "0.000000"), ("0.000000", "0.010000")
)
_TEAMS = ("Support", "Sales", "Collections", "Delivery", "OTP", "Onboarding", "Escalations")
FLOW_HOST = "https://my.exotel.com"
VOICE_FLOWS_PER_ACCOUNT = 6
SMS_FLOWS_PER_ACCOUNT = 4

# Generated dates lie in this span, so they are in the past on any machine
# that runs this code.
_FIRST_DATE = datetime(2016, 1, 1, tzinfo=UTC)
_LAST_DATE = datetime(2025, 12, 31, tzinfo=UTC)
_DATE_SPAN_SECONDS = (_LAST_DATE - _FIRST_DATE).total_seconds()
IST = timezone(timedelta(hours=5, minutes=30), "IST")
LISTING_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

ACTIVE, MAJOR_OUTAGE, PARTIAL_OUTAGE = "active", "major_outage", "partial_network_outage"
# direction as callers name it -> key of the v2 `connectivity` block
DIRECTIONS = {"incoming": "incoming_call", "outgoing": "outgoing_call"}
# Connectivity time is cut into windows of WINDOW_TICKS ticks. In each window a
# (number, direction) has an outage with probability OUTAGE_CHANCE, lasting 1
# to MAX_OUTAGE_TICKS ticks and ending inside the window: every outage begins
# and ends within WINDOW_TICKS ticks.
WINDOW_TICKS = 20
MAX_OUTAGE_TICKS = 6
OUTAGE_CHANCE = 0.15

# Drift: every DRIFT_TICKS ticks (a drift window; with the default 30 s tick,
# five minutes) about DRIFT_SHARE of an account's numbers, and always at least
# one, change one mirrored field by themselves, as people editing flows and
# prices in Exotel would: a flow to another of the account's flows (or to none,
# or from none), or the rental to another price of the number's price list.
# Nothing drifts before the first window ends, so a frozen simulator (tick 0)
# serves exactly the generated numbers.
DRIFT_TICKS = 10
DRIFT_SHARE = 0.01
DRIFT_FIELDS = ("voice_url", "sms_url", "rental_price")
# Of the drifting numbers, 40 in 100 change the voice flow, 25 the SMS flow,
# the rest the rental.
_DRIFT_FIELD_CUM_WEIGHTS = (40, 65, 100)

# Ways malformed_item() spoils a number's item, for testing what a sync skips
# (an unusable sid or phone number), empties (any other unusable field) and
# reads as the documents allow (JSON numbers, alternates as objects). The
# connectivity ones change only the v2 detail: the listing has no connectivity.
MALFORMATIONS = (
    "bad_price",
    "missing_phone_number",
    "bad_date",
    "bad_sid",
    "numeric_prices",
    "null_one_time_price",
    "zero_date",
    "year_one_date",
    "alternates_objects",
    "many_alternates",
)
# Plausible alternates for the connectivity malformations: Delhi landlines no
# generated number can be (generated Delhi landlines start 113, 114, 116, 117).
MALFORMED_ALTERNATES = tuple(f"+9111500000{i:02d}" for i in range(30))


@dataclass
class SimulatedExoPhone:
    """One ExoPhone as the simulator knows it. Prices are Exotel's decimal
    strings; dates are aware UTC and rendered per endpoint."""

    sid: str
    account_sid: str
    date_created: datetime
    date_updated: datetime
    friendly_name: str
    phone_number: str
    capabilities: dict[str, bool]
    country: str
    region: str
    one_time_price: str
    rental_price: str
    incoming_rate: str
    incoming_pulse: str
    currency: str
    number_type: str
    vanity_number: bool
    voice_url: str | None
    sms_url: str | None


_LISTING_KEYS = (
    "sid", "date_created", "date_updated", "account_sid", "friendly_name", "phone_number",
    "capabilities", "country", "region", "one_time_price", "rental_price", "incoming_rate",
    "incoming_pulse", "currency", "number_type", "vanity_number", "voice_url", "sms_url",
)  # fmt: skip
# The v2 detail names the same fields in a slightly different order (seed 000).
_V2_KEYS = (*_LISTING_KEYS[:3], "friendly_name", "account_sid", *_LISTING_KEYS[5:])


def listing_item(phone: SimulatedExoPhone) -> dict[str, Any]:
    """The v2_beta item (listing and detail): naive dates in IST wall time."""
    item = {key: getattr(phone, key) for key in _LISTING_KEYS}
    item.update(
        date_created=phone.date_created.astimezone(IST).strftime(LISTING_DATE_FORMAT),
        date_updated=phone.date_updated.astimezone(IST).strftime(LISTING_DATE_FORMAT),
        capabilities=dict(phone.capabilities),
        uri=f"/v2_beta/Accounts/{phone.account_sid}/IncomingPhoneNumbers/{phone.sid}",
    )
    return item


def v2_item(phone: SimulatedExoPhone, connectivity: dict[str, Any]) -> dict[str, Any]:
    """The v2 detail's `data`: RFC 3339 UTC dates and, like the seed, only
    the capabilities the number has ({"voice": true} without sms)."""
    item = {key: getattr(phone, key) for key in _V2_KEYS}
    item.update(
        date_created=_rfc3339(phone.date_created),
        date_updated=_rfc3339(phone.date_updated),
        capabilities={name: True for name, able in phone.capabilities.items() if able},
        uri=f"/v2/accounts/{phone.account_sid}/incoming-phone-numbers/{phone.sid}",
        connectivity=connectivity,
    )
    return item


def malform(item: dict[str, Any], how: str) -> None:
    """Change a rendered item in place (see MALFORMATIONS), the way a buggy
    upstream would, or the way the documents allow but rarely show.

    Values are replaced, never mutated: the connectivity block's lists may
    be shared with the state's overrides.
    """
    if how == "bad_price":
        item["rental_price"] = "abc"
    elif how == "missing_phone_number":
        item.pop("phone_number", None)
    elif how == "bad_date":
        item["date_created"] = "yesterday"
    elif how == "bad_sid":
        item["sid"] = 12345
    elif how == "numeric_prices":
        # The seeds type these "Double": JSON numbers, 499.0 written as such.
        item.update(rental_price=499.0, incoming_rate=0.25, incoming_pulse=60)
    elif how == "null_one_time_price":
        item["one_time_price"] = None
    elif how == "zero_date":
        item["date_created"] = "0000-00-00 00:00:00"
    elif how == "year_one_date":
        item["date_updated"] = "0001-01-01 00:00:00"
    elif how in ("alternates_objects", "many_alternates") and "connectivity" in item:
        if how == "alternates_objects":
            alternates: list[Any] = [{"phone_number": n} for n in MALFORMED_ALTERNATES[:2]]
        else:
            alternates = list(MALFORMED_ALTERNATES)
        item["connectivity"] = {
            key: {**block, "status": MAJOR_OUTAGE, "alternate_exophone": alternates}
            for key, block in item["connectivity"].items()
        }


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=32).digest()


@dataclass(frozen=True)
class Observation:
    """One direction's connectivity: Exotel's status word and the alternate
    E.164 numbers offered (None when none are)."""

    status: str
    alternates: list[str] | None


def generated_observation(
    seed: int,
    account_sid: str,
    sid: str,
    direction: str,
    tick: int,
    pool: Sequence[SimulatedExoPhone],
) -> Observation:
    """Connectivity of a number at `tick`. Alternates are other numbers of
    `pool` (the account's current numbers) and stay the same for the whole
    outage, as a real run of identical observations would."""
    window, offset = divmod(tick, WINDOW_TICKS)
    digest = _digest(seed, account_sid, sid, direction, window)
    if digest[0] >= OUTAGE_CHANCE * 256:
        return Observation(ACTIVE, None)
    duration = 1 + digest[1] % MAX_OUTAGE_TICKS
    start = digest[2] % (WINDOW_TICKS - duration + 1)
    if not start <= offset < start + duration:
        return Observation(ACTIVE, None)
    status = PARTIAL_OUTAGE if digest[3] < 77 else MAJOR_OUTAGE
    # One outage in five comes with no alternate, as Exotel allows.
    if digest[4] < 52 or len(pool) < 2:
        return Observation(status, None)
    alternates = []
    for i in range(1 + digest[5] % 2):
        index = int.from_bytes(digest[8 + 4 * i : 12 + 4 * i]) % len(pool)
        if pool[index].sid == sid:
            index = (index + 1) % len(pool)
        alternates.append(pool[index].phone_number)
    return Observation(status, list(dict.fromkeys(alternates)))


def last_check_time(
    *, seed: int, sid: str, direction: str, tick: int, tick_seconds: float, epoch: datetime
) -> str:
    """The `last_check_time` of a direction's connectivity at `tick`: checked
    a little before the tick began, never after "now"."""
    jitter = _digest(seed, sid, direction, tick)[0] % max(1, int(min(tick_seconds, 60)))
    return _rfc3339(epoch + timedelta(seconds=tick * tick_seconds - jitter))


def _price_list(currency: str, number_type: str) -> PriceList | None:
    """The prices a number of this currency and type is drawn from (None for a
    type no generated number has, as a test may set)."""
    return _USD_PRICES if currency == "USD" else _INR_PRICES.get(number_type)


def _generate_phone(
    rng: random.Random, account_sid: str, flows: "_Flows", taken: set[str]
) -> SimulatedExoPhone:
    # Written for speed, as benchmarks generate 100,000 numbers: one draw of
    # rng.random() per value.
    number_type = _TYPES[bisect.bisect(_TYPE_CUM_WEIGHTS, rng.random() * _TYPE_CUM_WEIGHTS[-1])]
    region = _REGIONS[bisect.bisect(_REGION_CUM_WEIGHTS, rng.random() * _REGION_CUM_WEIGHTS[-1])]
    national = _national_number(rng, number_type, region)
    while national in taken:
        national = _national_number(rng, number_type, region)
    taken.add(national)
    if number_type == LANDLINE and rng.random() < 0.6:
        sid = "0" + national
    else:
        sid = f"{rng.getrandbits(128):032x}"
    if rng.random() < 0.4:
        friendly_name = "0" + national
    else:
        friendly_name = f"{_pick(rng, _TEAMS)} {region} {1 + int(rng.random() * 9)}"
    currency = "USD" if rng.random() < 0.04 else "INR"
    prices = _USD_PRICES if currency == "USD" else _INR_PRICES[number_type]
    created = int(_DATE_SPAN_SECONDS * rng.random())
    updated = created + int((_DATE_SPAN_SECONDS - created) * rng.random())
    return SimulatedExoPhone(
        sid=sid,
        account_sid=account_sid,
        date_created=_FIRST_DATE + timedelta(seconds=created),
        date_updated=_FIRST_DATE + timedelta(seconds=updated),
        friendly_name=friendly_name,
        phone_number="+91" + national,
        capabilities={"voice": True, "sms": number_type == MOBILE or rng.random() < 0.3},
        country="IN",
        region=region,
        one_time_price=_pick(rng, prices.one_time),
        rental_price=_pick(rng, prices.rental),
        incoming_rate=_pick(rng, prices.incoming_rate),
        incoming_pulse="60",
        currency=currency,
        number_type=number_type,
        vanity_number=rng.random() < 0.05,
        voice_url=flows.voice_url(rng) if rng.random() < 0.7 else None,
        sms_url=flows.sms_url(rng) if rng.random() < 0.4 else None,
    )


def _pick(rng: random.Random, options: Sequence[Any]) -> Any:
    """rng.choice(), four times faster (Random.choice is the slow part of generation)."""
    return options[int(rng.random() * len(options))]


def _national_number(rng: random.Random, number_type: str, region: str) -> str:
    """Ten digits after +91."""
    if number_type == TOLL_FREE:
        prefix = "1800"
    elif number_type == MOBILE:
        prefix = _pick(rng, "6789")
    else:
        prefix = _STD_CODES[region] + _pick(rng, "3467")
    digits = 10 - len(prefix)
    return f"{prefix}{rng.randrange(10**digits):0{digits}d}"


@dataclass(frozen=True)
class _Flows:
    """A handful of flow ids per account, shared by many numbers."""

    account_sid: str
    voice_ids: tuple[int, ...]
    sms_ids: tuple[int, ...]

    @classmethod
    def draw(cls, rng: random.Random, account_sid: str) -> "_Flows":
        voice = tuple(rng.randint(100000, 999999) for _ in range(VOICE_FLOWS_PER_ACCOUNT))
        sms = tuple(rng.randint(100000, 999999) for _ in range(SMS_FLOWS_PER_ACCOUNT))
        return cls(account_sid, voice, sms)

    def voice_url(self, rng: random.Random) -> str:
        return f"{FLOW_HOST}/{self.account_sid}/exoml/start_voice/{_pick(rng, self.voice_ids)}"

    def sms_url(self, rng: random.Random) -> str:
        return f"{FLOW_HOST}/{self.account_sid}/exoml/start_sms/{_pick(rng, self.sms_ids)}"

    def voice_urls(self) -> tuple[str, ...]:
        return tuple(
            f"{FLOW_HOST}/{self.account_sid}/exoml/start_voice/{i}" for i in self.voice_ids
        )

    def sms_urls(self) -> tuple[str, ...]:
        return tuple(f"{FLOW_HOST}/{self.account_sid}/exoml/start_sms/{i}" for i in self.sms_ids)


class NumberGenerator:
    """Draws one account's ExoPhones, in order, from one generator seeded with
    (seed, account sid): the n-th number drawn is always the same."""

    def __init__(self, seed: int, account_sid: str) -> None:
        self.account_sid = account_sid
        # Draws every generated value of the account, in order.
        self._rng = random.Random(f"{seed}|{account_sid}")  # noqa: S311 - test data, not secrets
        self.flows = _Flows.draw(self._rng, account_sid)

    def draw(self, taken: set[str]) -> SimulatedExoPhone:
        """The next number, whose national number is not in `taken` (and is added to it)."""
        return _generate_phone(self._rng, self.account_sid, self.flows, taken)


class Drift:
    """How one account's numbers drift over drift windows (see DRIFT_TICKS).

    Window w (w >= 1) is the one that ends at tick w x DRIFT_TICKS; its moment,
    the date_updated of what changes in it, is the epoch plus that many ticks.
    A number drifts in window w when its own schedule says so (gaps between its
    drifts are geometric, so it drifts in any window with chance DRIFT_SHARE),
    or when it is the window's turn in a rotation over the account's first
    `pool_size` numbers (so each window changes at least one number). What
    changes is a function of (seed, account sid, sid, w) and the value before.

    Computed per served number, never for the whole account: a number's state
    at window W costs about 1 + W x DRIFT_SHARE + W / pool_size digests.
    Immutable, so safe to share between threads.
    """

    def __init__(
        self,
        *,
        seed: int,
        account_sid: str,
        flows: _Flows,
        pool_size: int,
        tick_seconds: float,
        epoch: datetime,
    ) -> None:
        self.seed = seed
        self.account_sid = account_sid
        self.tick_seconds = tick_seconds
        self.epoch = epoch
        self._choices = {
            "voice_url": (*flows.voice_urls(), None),
            "sms_url": (*flows.sms_urls(), None),
        }
        self._log_keep = math.log1p(-DRIFT_SHARE)
        # The rotation: window w designates pool index (step x w + offset) mod
        # pool_size, step coprime to pool_size, so it can be inverted per index.
        self.pool_size = pool_size
        digest = _digest(seed, account_sid, "drift-rotation")
        step, self._offset, self._inverse = 1, 0, 0
        if pool_size > 0:
            step = 1 + int.from_bytes(digest[:8]) % pool_size
            while math.gcd(step, pool_size) != 1:
                step += 1
            self._offset = int.from_bytes(digest[8:16]) % pool_size
            self._inverse = pow(step, -1, pool_size) if pool_size > 1 else 0
        self._step = step

    @staticmethod
    def window(tick: int) -> int:
        """The last drift window that has ended by `tick` (0: none yet)."""
        return tick // DRIFT_TICKS

    def moment(self, window: int) -> datetime:
        """When window `window` ends, on the simulator's wall clock."""
        return self.epoch + timedelta(seconds=int(window * DRIFT_TICKS * self.tick_seconds))

    def designated(self, window: int) -> int | None:
        """The pool index whose turn window `window` is (None without a pool)."""
        if self.pool_size == 0:
            return None
        return (self._step * window + self._offset) % self.pool_size

    def windows(self, sid: str, *, after: int, upto: int, pool_index: int | None) -> Iterator[int]:
        """The windows in (after, upto] in which this number drifts, in order."""
        own = self._own_windows(sid, after, upto)
        turns = self._turns(pool_index, after, upto)
        last = None
        for window in heapq.merge(own, turns):
            if window != last:
                yield window
                last = window

    def apply(
        self,
        phone: SimulatedExoPhone,
        *,
        window: int,
        born: int = 0,
        pool_index: int | None = None,
        pinned: Collection[str] = (),
    ) -> SimulatedExoPhone:
        """The number as it is at drift window `window`: `phone` itself when
        nothing changed, else a changed copy (`phone` is never mutated).
        Drift applies only in windows after `born` (when the number appeared)
        and never to a `pinned` field (one a test set)."""
        if window <= born:
            return phone
        changes: dict[str, Any] = {}
        current_updated = phone.date_updated
        for w in self.windows(phone.sid, after=born, upto=window, pool_index=pool_index):
            digest = _digest(self.seed, self.account_sid, phone.sid, "drift", w)
            name = DRIFT_FIELDS[bisect.bisect(_DRIFT_FIELD_CUM_WEIGHTS, digest[0] % 100)]
            if name in pinned:
                continue
            before = changes.get(name, getattr(phone, name))
            if name == "rental_price":
                prices = _price_list(phone.currency, phone.number_type)
                choices: tuple[Any, ...] = prices.rental if prices else ()
            else:
                choices = self._choices[name]
            options = [choice for choice in choices if choice != before]
            if not options:
                continue
            changes[name] = options[int.from_bytes(digest[1:9]) % len(options)]
            current_updated = max(self.moment(w), current_updated + timedelta(seconds=1))
        if not changes:
            return phone
        return dataclasses.replace(phone, **changes, date_updated=current_updated)

    def _own_windows(self, sid: str, after: int, upto: int) -> Iterator[int]:
        window, k = 0, 0
        while True:
            digest = _digest(self.seed, self.account_sid, sid, "drift-gap", k)
            # u in (0, 1]: the gap is geometric, at least one window.
            u = (int.from_bytes(digest[:8]) + 1) / 2**64
            window += 1 + int(math.log(u) / self._log_keep)
            if window > upto:
                return
            if window > after:
                yield window
            k += 1

    def _turns(self, pool_index: int | None, after: int, upto: int) -> Iterator[int]:
        if pool_index is None or not 0 <= pool_index < self.pool_size:
            return
        # The windows w with (step x w + offset) = pool_index (mod pool_size).
        first = (self._inverse * (pool_index - self._offset)) % self.pool_size
        lowest = max(after + 1, 1)
        if first < lowest:
            first += -(-(lowest - first) // self.pool_size) * self.pool_size
        yield from range(first, upto + 1, self.pool_size)
