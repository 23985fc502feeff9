"""The inventory: accounts, ExoPhones and their history.

Times are stored in UTC. Money is Decimal with Exotel's six decimal places,
in the number's own currency: a sum never mixes currencies.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Account(models.Model):
    """An Exotel account. Its API key and token live only in the environment."""

    sid = models.CharField(max_length=64, unique=True)
    api_host = models.CharField(
        max_length=255, help_text="Exotel cluster host, e.g. api.exotel.com or api.in.exotel.com."
    )
    display_name = models.CharField(max_length=255, blank=True)
    listed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the account's latest complete listing was complete: the moment"
        " every number it had was last seen.",
    )

    class Meta:
        ordering = ["sid"]

    def __str__(self) -> str:
        return self.display_name or self.sid


class Circle(models.Model):
    """A telecom circle as Exotel names it in an ExoPhone's `region`."""

    code = models.CharField(max_length=8, primary_key=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ConnectivityStatus(models.TextChoices):
    """Exotel's connectivity words. Any other word Exotel sends is kept as-is."""

    ACTIVE = "active", "Active"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    PARTIAL_NETWORK_OUTAGE = "partial_network_outage", "Partial network outage"

    @classmethod
    def label_of(cls, status: str) -> str:
        """Exotel's word as a label; a word we do not know is shown as sent."""
        return str(cls(status).label) if status in cls.values else status


class Direction(models.TextChoices):
    INCOMING = "incoming", "Incoming calls"
    OUTGOING = "outgoing", "Outgoing calls"


MONEY = {"max_digits": 18, "decimal_places": 6}

# Mirrored fields: copied from Exotel by every sync and never edited here. A
# change of any of them is an ExoPhoneChange row.
MIRRORED_FIELDS = (
    "phone_number",
    "friendly_name",
    "voice_capable",
    "sms_capable",
    "country",
    "region",
    "one_time_price",
    "rental_price",
    "incoming_rate",
    "incoming_pulse",
    "currency",
    "number_type",
    "vanity_number",
    "voice_url",
    "sms_url",
    "uri",
    "date_created",
    "date_updated",
)
LOCAL_FIELDS = ("owner", "cost_centre", "notes")


class ExoPhone(models.Model):
    """One Exotel virtual number of one account, as last seen by a sync.

    Mirrored fields come from the v2_beta listing; the connectivity fields
    from the v2 detail endpoint. Local fields are ours and no sync touches
    them.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="exophones")
    sid = models.CharField(max_length=64, help_text="Exotel's identifier of the ExoPhone.")

    phone_number = models.CharField(max_length=20, help_text="E.164, e.g. +911139585476.")
    friendly_name = models.CharField(max_length=255, blank=True)
    voice_capable = models.BooleanField(null=True, help_text="Empty: Exotel did not say.")
    sms_capable = models.BooleanField(
        "SMS capable", null=True, help_text="Empty: Exotel did not say."
    )
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code.")
    region = models.CharField(
        max_length=8, blank=True, help_text="Telecom circle code; unknown codes are kept as-is."
    )
    # Empty (null) when Exotel sent a value that cannot be read exactly: the
    # sync run counts it, and no sum treats it as zero.
    one_time_price = models.DecimalField(
        **MONEY, null=True, help_text="Paid once, in `currency`; empty: unreadable."
    )
    rental_price = models.DecimalField(
        **MONEY, null=True, help_text="Monthly rental, in `currency`; empty: unreadable."
    )
    incoming_rate = models.DecimalField(
        **MONEY, null=True, help_text="Per pulse, in `currency`; empty: unreadable."
    )
    incoming_pulse = models.PositiveIntegerField(
        null=True, help_text="Seconds per pulse; empty: unreadable."
    )
    currency = models.CharField(max_length=3, blank=True)
    number_type = models.CharField(max_length=32, blank=True)
    vanity_number = models.BooleanField(null=True)
    voice_url = models.CharField(
        "voice URL",
        max_length=1024,
        null=True,
        blank=True,
        help_text="Flow for incoming calls; empty: none.",
    )
    sms_url = models.CharField(
        "SMS URL",
        max_length=1024,
        null=True,
        blank=True,
        help_text="Flow for incoming SMS; empty: none.",
    )
    uri = models.CharField("URI", max_length=512, blank=True)
    date_created = models.DateTimeField(
        null=True, help_text="When Exotel created the number (its date_created)."
    )
    date_updated = models.DateTimeField(
        null=True, help_text="When Exotel last changed the number (its date_updated)."
    )

    # Current connectivity per direction, from the v2 detail endpoint. Empty
    # status: never observed.
    incoming_status = models.CharField(max_length=64, blank=True)
    incoming_checked_at = models.DateTimeField(
        null=True, help_text="Exotel's last_check_time for incoming calls."
    )
    incoming_alternates = models.JSONField(null=True, blank=True)
    outgoing_status = models.CharField(max_length=64, blank=True)
    outgoing_checked_at = models.DateTimeField(
        null=True, help_text="Exotel's last_check_time for outgoing calls."
    )
    outgoing_alternates = models.JSONField(null=True, blank=True)
    connectivity_observed_at = models.DateTimeField(
        null=True, help_text="When Exotel's last answer about this number's connectivity arrived."
    )
    connectivity_attempted_at = models.DateTimeField(
        null=True,
        help_text="When a sweep last asked for this number's connectivity, answered or not.",
    )

    first_seen = models.DateTimeField()
    # Written only when the number leaves or rejoins the listings, never by
    # a listing that finds it where it was (see last_listed).
    last_seen = models.DateTimeField(
        help_text="When a listing last had the number, as of the last time it went missing"
        " or came back."
    )
    unlisted_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Missing from every complete listing since then: a release candidate"
        " until a listing has it again or Exotel confirms it gone.",
    )
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="Missing from a complete listing since then."
    )

    owner = models.CharField(max_length=255, blank=True)
    cost_centre = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "ExoPhone"
        verbose_name_plural = "ExoPhones"
        ordering = ["phone_number"]
        constraints = [
            models.UniqueConstraint(fields=["account", "sid"], name="exophone_unique_account_sid"),
        ]
        indexes = [
            # Admin search by number in any form and the number export.
            models.Index(fields=["phone_number"], name="exophone_phone_number"),
            # Costs report: group by account x circle x currency.
            models.Index(fields=["account", "region", "currency"], name="exophone_costs"),
            # Admin filter "released" and every report's "current numbers".
            models.Index(fields=["released_at"], name="exophone_released"),
            # Flows report and admin search by flow URL.
            models.Index(fields=["voice_url"], name="exophone_voice_url"),
            models.Index(fields=["sms_url"], name="exophone_sms_url"),
            # Admin status filter and the outages report's "down now".
            models.Index(fields=["incoming_status"], name="exophone_incoming_status"),
            models.Index(fields=["outgoing_status"], name="exophone_outgoing_status"),
            # Freshness: each account's current numbers, counted on every page
            # from the index alone.
            models.Index(
                fields=["account"], condition=Q(released_at__isnull=True), name="exophone_current"
            ),
            # The list's filter choices, read by a loose index scan
            # (selectors.admin.distinct_values).
            models.Index(fields=["region"], name="exophone_region"),
            models.Index(fields=["number_type"], name="exophone_number_type"),
            models.Index(fields=["currency"], name="exophone_currency"),
            models.Index(fields=["cost_centre"], name="exophone_cost_centre"),
            # Sweep: the release candidates, few among many listed numbers.
            models.Index(
                fields=["account", "unlisted_since"],
                condition=Q(unlisted_since__isnull=False),
                name="exophone_unlisted",
            ),
            # Sweep: the numbers asked about longest ago go first.
            models.Index(
                fields=["account", "connectivity_attempted_at"], name="exophone_attempted"
            ),
        ]
        permissions = [
            ("view_cost_report", "Can view the costs report"),
            ("view_outage_report", "Can view the outages report"),
            ("view_flow_report", "Can view the flows report"),
            ("export_numbers", "Can export the number inventory"),
            # The local fields: synced fields are read-only for everyone, and
            # Django's own "Can change ExoPhone" grants nothing here.
            ("edit_owner_and_cost_centre", "Can edit owner and cost centre"),
            ("edit_notes", "Can edit notes"),
        ]

    def __str__(self) -> str:
        return self.phone_number

    @property
    def last_listed(self) -> datetime:
        """When a listing last had the number. A listed number was seen by the
        account's latest listing: an unchanged listing writes that moment
        once, on the account, rather than on every row."""
        listed_at = self.account.listed_at
        if self.unlisted_since is None and self.released_at is None and listed_at:
            return max(self.last_seen, listed_at)
        return self.last_seen


class SyncRun(models.Model):
    """One listing or one connectivity sweep of one account: what it did and how it ended."""

    class Kind(models.TextChoices):
        LISTING = "listing", "Listing"
        SWEEP = "sweep", "Connectivity sweep"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        COMMAND = "command", "Command"

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        # Finished, but skipped records or stored unreadable fields empty.
        PARTIAL = "partial", "Partial (records skipped or fields emptied)"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another sync was running)"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.CharField(max_length=500, blank=True, help_text="One line, never a credential.")
    listing_complete = models.BooleanField(default=False)

    pages = models.PositiveIntegerField(default=0, help_text="Listing pages fetched.")
    requests = models.PositiveIntegerField(default=0, help_text="HTTP requests sent, retries too.")
    retries = models.PositiveIntegerField(default=0)
    connectivity_checked = models.PositiveIntegerField(default=0)
    numbers_seen = models.PositiveIntegerField(default=0)
    numbers_created = models.PositiveIntegerField(default=0)
    numbers_updated = models.PositiveIntegerField(default=0)
    numbers_released = models.PositiveIntegerField(default=0)
    numbers_unchanged = models.PositiveIntegerField(default=0)
    runs_opened = models.PositiveIntegerField(default=0)
    runs_extended = models.PositiveIntegerField(default=0)
    numbers_unchecked = models.PositiveIntegerField(
        default=0, help_text="Sweep: current numbers this sweep did not observe."
    )
    records_skipped = models.PositiveIntegerField(
        default=0, help_text="Listing items not stored, or details not usable."
    )
    fields_emptied = models.JSONField(
        default=dict, blank=True, help_text="Field name → how many values were unreadable."
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # Health check, staleness warning, release candidates: last good
            # listing and sweep per account.
            models.Index(
                fields=["account", "kind", "outcome", "-started_at"], name="syncrun_last_good"
            ),
            # Status now: the latest listing and sweep per account, whatever
            # their outcome, without sorting a year of runs.
            models.Index(fields=["account", "kind", "-started_at"], name="syncrun_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.kind} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class ExoPhoneChange(models.Model):
    """A field of an ExoPhone changed: a mirrored field between two syncs, or
    a local field (owner, cost centre, notes) edited by someone here.

    Values are stored as text (Decimals as Exotel writes them, dates in
    RFC 3339 UTC; null: was empty) and the editor's username as a string too,
    so the history outlives any change to the model and the user's account.
    """

    class Source(models.TextChoices):
        SYNC = "sync", "Sync"
        LOCAL = "local", "Local edit"

    exophone = models.ForeignKey(ExoPhone, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=64)
    old_value = models.TextField(null=True, blank=True)
    new_value = models.TextField(null=True, blank=True)
    observed_at = models.DateTimeField(
        help_text="When the sync noticed the change, or when the local edit was saved."
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.SYNC)
    sync_run = models.ForeignKey(
        SyncRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        help_text="The sync that noticed the change; empty for a local edit.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exophone_changes",
        help_text="Who made a local edit; empty once that user is deleted.",
    )
    user_name = models.CharField(
        max_length=150, blank=True, help_text="The editor's username, kept when the user is gone."
    )
    exotel_date_updated = models.DateTimeField(
        null=True, blank=True, help_text="Exotel's date_updated with the new value."
    )

    class Meta:
        verbose_name = "ExoPhone change"
        ordering = ["-observed_at", "id"]
        constraints = [
            # A sync's change names its run; a local edit has none.
            models.CheckConstraint(
                condition=Q(source="sync", sync_run__isnull=False)
                | Q(source="local", sync_run__isnull=True),
                name="change_source_has_its_run",
            ),
        ]
        indexes = [
            # ExoPhone change page: the number's history, newest first.
            models.Index(fields=["exophone", "-observed_at"], name="change_by_number"),
            # Flows report: recent flow changes.
            models.Index(fields=["field", "-observed_at"], name="change_by_field"),
        ]

    def __str__(self) -> str:
        # Without the values: an amount is shown with its currency, by the admin.
        return f"{self.exophone} {self.field}, {self.get_source_display().lower()}"


class ConnectivityRun(models.Model):
    """A run of identical connectivity observations of one number and direction.

    An observation equal to the number's current run (same status and
    alternates, and the run still fresh by selectors.freshness) extends it;
    anything else opens a new run. Between runs there is no data, never an assumed
    status.
    """

    exophone = models.ForeignKey(
        ExoPhone, on_delete=models.PROTECT, related_name="connectivity_runs"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    status = models.CharField(max_length=64)
    alternates = models.JSONField(null=True, blank=True)
    first_observed_at = models.DateTimeField()
    last_observed_at = models.DateTimeField()
    exotel_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="Exotel's last_check_time at the latest observation."
    )
    is_current = models.BooleanField(
        default=True, help_text="The run the next observation is compared with."
    )
    sources = models.CharField(
        max_length=32,
        blank=True,
        help_text="Who observed the run: sweep, heartbeat or both (comma-separated).",
    )

    class Source(models.TextChoices):
        """Who observes connectivity: the sweep's detail requests, or Exotel's Heartbeat."""

        SWEEP = "sweep", "Connectivity sweep"
        HEARTBEAT = "heartbeat", "Exotel Heartbeat"

    class Meta:
        ordering = ["exophone", "direction", "first_observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exophone", "direction"],
                condition=Q(is_current=True),
                name="connectivityrun_one_current",
            ),
            models.CheckConstraint(
                condition=Q(last_observed_at__gte=models.F("first_observed_at")),
                name="connectivityrun_ordered",
            ),
        ]
        indexes = [
            # Outages report: runs overlapping a window.
            models.Index(fields=["last_observed_at", "first_observed_at"], name="run_window"),
            # ExoPhone change page: one number's timeline.
            models.Index(
                fields=["exophone", "direction", "first_observed_at"], name="run_by_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exophone} {self.direction} {self.status}"


class Heartbeat(models.Model):
    """The last Heartbeat Exotel sent for an account (services.heartbeat).

    One row per account, replaced by each newer heartbeat: what it observed
    is in the connectivity runs. `timestamp` is the replay guard: a
    heartbeat not newer than it changes nothing.
    """

    class StatusType(models.TextChoices):
        OK = "OK", "OK: all healthy"
        WARNING = "WARNING", "Warning: some numbers affected"
        CRITICAL = "CRITICAL", "Critical: all numbers affected"
        PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE", "Payload too large: a sweep was started"

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="heartbeat")
    received_at = models.DateTimeField(help_text="When the last heartbeat arrived.")
    timestamp = models.DateTimeField(help_text="Exotel's timestamp of the last heartbeat.")
    status_type = models.CharField(max_length=32, choices=StatusType.choices)
    numbers_observed = models.PositiveIntegerField(
        default=0, help_text="Current numbers the last heartbeat observed."
    )
    incoming_affected = models.PositiveIntegerField(
        default=0, help_text="Current numbers it reported affected for incoming calls."
    )
    outgoing_affected = models.PositiveIntegerField(
        default=0, help_text="Current numbers it reported affected for outgoing calls."
    )
    unknown_sids = models.PositiveIntegerField(
        default=0, help_text="Sids it named that are none of the account's current numbers."
    )
    observed_at = models.DateTimeField(
        null=True,
        help_text="When the last heartbeat observed the numbers; empty when it could not "
        "(PAYLOAD_TOO_LARGE).",
    )
    period = models.DurationField(
        null=True, help_text="The gap between the last two heartbeats that observed the numbers."
    )

    def __str__(self) -> str:
        return f"{self.account} heartbeat {self.timestamp:%Y-%m-%d %H:%M} {self.status_type}"


# Outcomes of a listing or sweep whose data was written: what "last good" means.
GOOD_OUTCOMES = (SyncRun.Outcome.SUCCESS, SyncRun.Outcome.PARTIAL)
