"""The bundled Exotel simulator's mutable state: the accounts, their ExoPhones
as tests change them, and the connectivity clock.

No Django imports: the simulator runs without settings (tests, benchmarks,
the local run). What a number is, its connectivity at a tick and its drift
(flows and prices that change by themselves every DRIFT_TICKS ticks) are
generated deterministically by the data module; the phones kept here are the
numbers as generated or as tests set them, and drift is laid over them as
they are served, never written into them.
"""

import copy
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from exoinventory.simulator.data import (
    DIRECTIONS,
    MALFORMATIONS,
    Drift,
    NumberGenerator,
    Observation,
    SimulatedExoPhone,
    generated_observation,
    last_check_time,
    listing_item,
    malform,
    v2_item,
)

# Fields set_field() may change: everything Exotel reports but the identity
# and the dates (date_updated moves by itself).
SETTABLE_FIELDS = frozenset(
    f.name
    for f in fields(SimulatedExoPhone)
    if f.name not in {"sid", "account_sid", "date_created", "date_updated"}
)


@dataclass
class _Account:
    generator: NumberGenerator
    phones: dict[str, SimulatedExoPhone] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    malformed: dict[str, str] = field(default_factory=dict)
    # Raw listing items served in place of a number's own (any JSON value).
    raw_items: dict[str, Any] = field(default_factory=dict)
    overrides: dict[tuple[str, str], Observation] = field(default_factory=dict)
    # Drift: set up once the account's first numbers exist (they form the
    # rotation pool, by index); the drift window after which a later-added
    # number appeared (absent: 0); the fields a test set, which never drift.
    drift: Drift | None = None
    pool_index: dict[str, int] = field(default_factory=dict)
    born: dict[str, int] = field(default_factory=dict)
    pinned: dict[str, set[str]] = field(default_factory=dict)
    # Current numbers in listing order; rebuilt after add/remove/restore.
    visible_cache: list[SimulatedExoPhone] | None = None

    def visible(self) -> list[SimulatedExoPhone]:
        if self.visible_cache is None:
            self.visible_cache = [p for sid, p in self.phones.items() if sid not in self.removed]
        return self.visible_cache


class SimulatorState:
    """The accounts, their ExoPhones and the connectivity clock, behind one lock.

    Every public method is safe to call from any thread while the server
    answers requests. Unknown accounts and sids raise KeyError.
    """

    def __init__(
        self,
        *,
        numbers: int,
        seed: int,
        accounts: Iterable[str],
        tick_seconds: float,
        evolve: bool,
        epoch: datetime | None,
        drift: bool = True,
    ) -> None:
        accounts = list(accounts)
        if numbers < 0:
            raise ValueError("numbers must be 0 or more")
        if tick_seconds <= 0:
            raise ValueError("tick_seconds must be above 0")
        if not accounts or len(set(accounts)) != len(accounts):
            raise ValueError("accounts must be one or more distinct account sids")
        self._lock = threading.RLock()
        self.seed = seed
        self.tick_seconds = tick_seconds
        self.epoch = (epoch or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self._evolve = evolve
        self._drift = drift
        self._clock_start = time.monotonic()
        self._tick_offset = 0
        # National numbers in use across all accounts: a number has one owner.
        self._taken: set[str] = set()
        self._accounts: dict[str, _Account] = {}
        for sid in accounts:
            account = self._accounts[sid] = _Account(NumberGenerator(seed, sid))
            self._generate(sid, numbers)
            account.pool_index = {phone_sid: i for i, phone_sid in enumerate(account.phones)}
            account.drift = Drift(
                seed=seed,
                account_sid=sid,
                flows=account.generator.flows,
                pool_size=len(account.pool_index),
                tick_seconds=tick_seconds,
                epoch=self.epoch,
            )

    @property
    def account_sids(self) -> list[str]:
        return list(self._accounts)

    # --- numbers

    def numbers(self, account_sid: str) -> list[dict[str, Any]]:
        """The account's current numbers as the listing shows them (drift
        included), in listing order, without any malformation."""
        with self._lock:
            account = self._account(account_sid)
            window = self._drift_window()
            return [listing_item(self._view(account, p, window)) for p in account.visible()]

    def add_numbers(self, account_sid: str, count: int) -> list[dict[str, Any]]:
        """Generate `count` more numbers (deterministically) at the end of the
        listing. They drift only in windows that end after they appear."""
        with self._lock:
            account = self._account(account_sid)
            window = Drift.window(self.tick)
            created = self._generate(account_sid, count)
            if window:
                account.born.update((phone.sid, window) for phone in created)
            return [listing_item(p) for p in created]

    def set_field(self, account_sid: str, sid: str, name: str, value: Any) -> None:
        """Change a mirrored field as an Exotel user would; date_updated moves
        to now (or a second later than served before, whichever is later).
        The field no longer drifts: what a test sets stays set."""
        if name not in SETTABLE_FIELDS:
            raise ValueError(f"{name!r} is not one of {sorted(SETTABLE_FIELDS)}")
        with self._lock:
            account = self._account(account_sid)
            phone = self._phone(account_sid, sid)
            served = self._view(account, phone, self._drift_window())
            setattr(phone, name, value)
            account.pinned.setdefault(sid, set()).add(name)
            now = datetime.now(UTC).replace(microsecond=0)
            phone.date_updated = max(now, served.date_updated + timedelta(seconds=1))

    def set_drift(self, enabled: bool) -> None:
        """Turn drift on or off. Off, every number is served as generated or
        set; on again, as drifted by the current tick (drift is a function of
        the tick, never of how long it was off)."""
        with self._lock:
            self._drift = bool(enabled)

    def remove_number(self, account_sid: str, sid: str) -> None:
        """The number leaves the account: gone from the listing, details 404."""
        with self._lock:
            account = self._account(account_sid)
            self._phone(account_sid, sid)
            account.removed.add(sid)
            account.visible_cache = None

    def restore_number(self, account_sid: str, sid: str) -> None:
        """Undo remove_number(); the number is back at its listing position."""
        with self._lock:
            account = self._account(account_sid)
            self._phone(account_sid, sid)
            account.removed.discard(sid)
            account.visible_cache = None

    def malformed_item(self, account_sid: str, sid: str, how: str = "bad_price") -> None:
        """Serve this number's item spoiled (see MALFORMATIONS) in the listing
        and both details (connectivity ones: the v2 detail alone) until
        clear_malformed_item()."""
        if how not in MALFORMATIONS:
            raise ValueError(f"{how!r} is not one of {MALFORMATIONS}")
        with self._lock:
            self._phone(account_sid, sid)
            self._account(account_sid).malformed[sid] = how

    def clear_malformed_item(self, account_sid: str, sid: str) -> None:
        with self._lock:
            self._account(account_sid).malformed.pop(sid, None)

    def set_listing_item(self, account_sid: str, sid: str, item: Any) -> None:
        """Serve `item` (any JSON value, served as given) at this number's
        place in the listing until clear_listing_item(); its details are
        unchanged. Bad-input tests send what no malformation describes."""
        with self._lock:
            self._phone(account_sid, sid)
            self._account(account_sid).raw_items[sid] = copy.deepcopy(item)

    def clear_listing_item(self, account_sid: str, sid: str) -> None:
        with self._lock:
            self._account(account_sid).raw_items.pop(sid, None)

    # --- connectivity

    @property
    def tick(self) -> int:
        """floor(seconds since the simulator was created / tick_seconds), plus
        what advance() and set_tick() added; frozen, only the latter."""
        with self._lock:
            return self._tick_offset + self._elapsed_ticks()

    def advance(self, ticks: int = 1) -> int:
        """Move connectivity time forward; returns the new tick."""
        if ticks < 0:
            raise ValueError("ticks must be 0 or more: connectivity time only moves forward")
        with self._lock:
            self._tick_offset += ticks
            return self.tick

    def set_tick(self, tick: int) -> None:
        if tick < 0:
            raise ValueError("tick must be 0 or more")
        with self._lock:
            self._tick_offset = tick - self._elapsed_ticks()

    def freeze(self) -> None:
        """Stop the wall clock from moving ticks; advance() still does."""
        with self._lock:
            self._tick_offset = self.tick
            self._evolve = False

    def set_connectivity(
        self,
        account_sid: str,
        sid: str,
        direction: str,
        *,
        status: str,
        alternates: list[str] | None = None,
    ) -> None:
        """Override the generated connectivity of one direction until
        clear_connectivity(); `direction` is "incoming" or "outgoing"."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {sorted(DIRECTIONS)}")
        with self._lock:
            self._phone(account_sid, sid)
            observation = Observation(status, list(alternates) if alternates is not None else None)
            self._account(account_sid).overrides[sid, direction] = observation

    def clear_connectivity(self, account_sid: str, sid: str, direction: str | None = None) -> None:
        """Back to generated connectivity, for one direction or both."""
        with self._lock:
            overrides = self._account(account_sid).overrides
            for name in [direction] if direction else list(DIRECTIONS):
                overrides.pop((sid, name), None)

    def connectivity(self, account_sid: str, sid: str) -> dict[str, Any]:
        """The v2 `connectivity` block of a number at the current tick."""
        with self._lock:
            return self._connectivity(account_sid, self._phone(account_sid, sid))

    # --- rendering for the HTTP server

    def listing_items(self, account_sid: str, start: int, stop: int) -> tuple[list[dict], bool]:
        """Items [start, stop) of the listing, and whether more follow."""
        with self._lock:
            account = self._account(account_sid)
            visible = account.visible()
            window = self._drift_window()
            items = [
                copy.deepcopy(account.raw_items[p.sid])
                if p.sid in account.raw_items
                else self._served(account, listing_item(self._view(account, p, window)))
                for p in visible[start:stop]
            ]
            return items, stop < len(visible)

    def beta_detail(self, account_sid: str, sid: str) -> dict[str, Any] | None:
        with self._lock:
            account = self._account(account_sid)
            phone = self._current(account, sid)
            if phone is None:
                return None
            return self._served(account, listing_item(self._view(account, phone)))

    def v2_detail(self, account_sid: str, sid: str) -> dict[str, Any] | None:
        with self._lock:
            account = self._account(account_sid)
            phone = self._current(account, sid)
            if phone is None:
                return None
            item = v2_item(self._view(account, phone), self._connectivity(account_sid, phone))
            return self._served(account, item)

    # --- internals

    def _elapsed_ticks(self) -> int:
        if not self._evolve:
            return 0
        return int((time.monotonic() - self._clock_start) // self.tick_seconds)

    def _account(self, account_sid: str) -> _Account:
        try:
            return self._accounts[account_sid]
        except KeyError:
            raise KeyError(f"no account {account_sid!r} in the simulator") from None

    def _phone(self, account_sid: str, sid: str) -> SimulatedExoPhone:
        try:
            return self._account(account_sid).phones[sid]
        except KeyError:
            raise KeyError(f"no number {sid!r} in account {account_sid!r}") from None

    def _drift_window(self) -> int:
        """The drift window served now (0, no drift, when drift is off)."""
        return Drift.window(self.tick) if self._drift else 0

    def _view(
        self, account: _Account, phone: SimulatedExoPhone, window: int | None = None
    ) -> SimulatedExoPhone:
        """The number as served at drift window `window` (default: now): the
        stored phone itself, or a drifted copy of it."""
        if window is None:
            window = self._drift_window()
        if window == 0 or account.drift is None:
            return phone
        return account.drift.apply(
            phone,
            window=window,
            born=account.born.get(phone.sid, 0),
            pool_index=account.pool_index.get(phone.sid),
            pinned=account.pinned.get(phone.sid, ()),
        )

    @staticmethod
    def _current(account: _Account, sid: str) -> SimulatedExoPhone | None:
        return None if sid in account.removed else account.phones.get(sid)

    @staticmethod
    def _served(account: _Account, item: dict[str, Any]) -> dict[str, Any]:
        how = account.malformed.get(item["sid"])
        if how:
            malform(item, how)
        return item

    def _generate(self, account_sid: str, count: int) -> list[SimulatedExoPhone]:
        account = self._account(account_sid)
        created = []
        for _ in range(count):
            phone = account.generator.draw(self._taken)
            account.phones[phone.sid] = phone
            created.append(phone)
        account.visible_cache = None
        return created

    def _connectivity(self, account_sid: str, phone: SimulatedExoPhone) -> dict[str, Any]:
        account = self._accounts[account_sid]
        tick = self.tick
        block = {}
        for direction, key in DIRECTIONS.items():
            observation = account.overrides.get((phone.sid, direction)) or generated_observation(
                self.seed, account_sid, phone.sid, direction, tick, account.visible()
            )
            checked = last_check_time(
                seed=self.seed,
                sid=phone.sid,
                direction=direction,
                tick=tick,
                tick_seconds=self.tick_seconds,
                epoch=self.epoch,
            )
            block[key] = {
                "status": observation.status,
                "last_check_time": checked,
                "alternate_exophone": observation.alternates,
            }
        return block
