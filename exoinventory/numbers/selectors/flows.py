"""The flow audit: which flow each current number is wired to, which numbers
have none, and the flow changes noticed in a window.

Two queries whatever the inventory's size: the current numbers with their
flow URLs (grouped here), and the flow changes of the window. The page
itself needs only how many numbers each flow has: flow_counts has the
database count them, rather than load every number.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import Count, Q, QuerySet

from exoinventory.numbers.models import ExoPhone, ExoPhoneChange

# A flow kind and the ExoPhone field that holds its URL.
FLOW_FIELDS = {"voice": "voice_url", "sms": "sms_url"}
KIND_OF_FIELD = {name: kind for kind, name in FLOW_FIELDS.items()}
# Exotel's flow URLs end in start_voice/<id> or start_sms/<id>.
EXOTEL_FLOW_PREFIX = "start_"


def flow_id(url: str) -> str:
    """'voice 229' for 'https://my.exotel.com/acme/exoml/start_voice/229': an
    Exotel flow is "start_<kind>/<id>" at the end of its path. Another URL is
    known by the last two segments of its path, and one with a shorter path
    is shown whole."""
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    if len(segments) < 2:
        return url
    kind, number = segments[-2:]
    if kind.startswith(EXOTEL_FLOW_PREFIX) and kind != EXOTEL_FLOW_PREFIX:
        return f"{kind.removeprefix(EXOTEL_FLOW_PREFIX)} {number}"
    return f"{kind}/{number}"


@dataclass(frozen=True)
class FlowFilters:
    account_sid: str | None = None
    kind: str | None = None  # "voice" or "sms"; None: both

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.kind,) if self.kind else tuple(FLOW_FIELDS)


@dataclass(frozen=True)
class NumberRef:
    pk: int
    account_sid: str
    phone_number: str


@dataclass
class Flow:
    kind: str
    url: str
    numbers: list[NumberRef] = field(default_factory=list)

    @property
    def flow_id(self) -> str:
        return flow_id(self.url)


@dataclass(frozen=True)
class FlowCount:
    kind: str
    url: str
    numbers: int

    @property
    def flow_id(self) -> str:
        return flow_id(self.url)


@dataclass(frozen=True)
class FlowChange:
    """A change of a number's voice or SMS flow, and who or what made it."""

    pk: int
    exophone_pk: int
    account_sid: str
    phone_number: str
    field: str
    kind: str
    old: str | None
    new: str | None
    observed_at: datetime
    sync_run_pk: int | None  # None for a local edit
    source: str  # "sync" or "local"
    user_name: str  # who made a local edit

    @property
    def old_flow_id(self) -> str:
        return flow_id(self.old) if self.old else ""

    @property
    def new_flow_id(self) -> str:
        return flow_id(self.new) if self.new else ""


@dataclass(frozen=True)
class FlowReport:
    flows: list[Flow]
    unassigned: list[NumberRef]  # no flow of the kinds asked for
    changes: list[FlowChange]  # newest first
    since: datetime
    until: datetime


def _current(filters: FlowFilters) -> QuerySet[ExoPhone]:
    numbers = ExoPhone.objects.filter(released_at__isnull=True)
    if filters.account_sid is not None:
        numbers = numbers.filter(account__sid=filters.account_sid)
    return numbers


def _no_flow(filters: FlowFilters) -> Q:
    """No flow of the kinds asked for: an empty URL is no flow, as a missing one is."""
    condition = Q()
    for kind in filters.kinds:
        field_name = FLOW_FIELDS[kind]
        condition &= Q(**{f"{field_name}__isnull": True}) | Q(**{field_name: ""})
    return condition


def flow_counts(*, filters: FlowFilters) -> tuple[list[FlowCount], int]:
    """Per kind and URL how many current numbers are on that flow (voice
    first, then by URL), and how many have no flow of the kinds asked for:
    counted by the database, a query per kind and one for the rest."""
    counts = []
    for kind in filters.kinds:
        field_name = FLOW_FIELDS[kind]
        rows = (
            _current(filters)
            .exclude(_no_flow(FlowFilters(kind=kind)))
            .order_by(field_name)
            .values_list(field_name)
            .annotate(numbers=Count("*"))
        )
        counts += [FlowCount(kind=kind, url=url, numbers=numbers) for url, numbers in rows]
    return counts, _current(filters).filter(_no_flow(filters)).count()


def flow_assignments(*, filters: FlowFilters) -> tuple[list[Flow], list[NumberRef]]:
    """Per kind and URL the current numbers on that flow (voice first, then
    by URL; numbers by phone number), and the numbers with no flow of the
    kinds asked for. An empty URL is no flow, as a missing one is."""
    rows = (
        _current(filters)
        .order_by("phone_number", "id")
        .values_list(
            "pk", "account__sid", "phone_number", *(FLOW_FIELDS[kind] for kind in filters.kinds)
        )
    )
    flows: dict[tuple[str, str], Flow] = {}
    unassigned = []
    for pk, account_sid, phone_number, *urls in rows:
        ref = NumberRef(pk=pk, account_sid=account_sid, phone_number=phone_number)
        for kind, url in zip(filters.kinds, urls, strict=True):
            if url:
                flows.setdefault((kind, url), Flow(kind=kind, url=url)).numbers.append(ref)
        if not any(urls):
            unassigned.append(ref)
    kind_order = list(FLOW_FIELDS)
    ordered = sorted(flows.values(), key=lambda flow: (kind_order.index(flow.kind), flow.url))
    return ordered, unassigned


def _changes_in(filters: FlowFilters, since: datetime, until: datetime) -> QuerySet[ExoPhoneChange]:
    changes = ExoPhoneChange.objects.filter(
        field__in=[FLOW_FIELDS[kind] for kind in filters.kinds],
        observed_at__gte=since,
        observed_at__lt=until,
    )
    if filters.account_sid is not None:
        changes = changes.filter(exophone__account__sid=filters.account_sid)
    return changes


def flow_change_count(*, filters: FlowFilters, since: datetime, until: datetime) -> int:
    return _changes_in(filters, since, until).count()


def flow_changes(
    *, filters: FlowFilters, since: datetime, until: datetime, limit: int | None = None
) -> list[FlowChange]:
    """Flow changes noticed in [since, until), newest first (the `limit`
    newest), of current and released numbers alike."""
    changes = (
        _changes_in(filters, since, until)
        .select_related("exophone__account")
        .order_by("-observed_at", "-id")[:limit]
    )
    return [
        FlowChange(
            pk=change.pk,
            exophone_pk=change.exophone_id,
            account_sid=change.exophone.account.sid,
            phone_number=change.exophone.phone_number,
            field=change.field,
            kind=KIND_OF_FIELD[change.field],
            old=change.old_value,
            new=change.new_value,
            observed_at=change.observed_at,
            sync_run_pk=change.sync_run_id,
            source=change.source,
            user_name=change.user_name,
        )
        for change in changes
    ]


def flow_report(*, filters: FlowFilters, since: datetime, until: datetime) -> FlowReport:
    flows, unassigned = flow_assignments(filters=filters)
    return FlowReport(
        flows=flows,
        unassigned=unassigned,
        changes=flow_changes(filters=filters, since=since, until=until),
        since=since,
        until=until,
    )
