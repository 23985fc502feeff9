"""Admin for accounts, circles, and the records the sync and local edits write.

Sync runs, change records and connectivity runs are history: nobody adds,
changes or deletes them by hand, superusers included.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.safestring import SafeString

from exoinventory.numbers.admin.display import (
    change_author,
    change_value,
    duration_text,
    status_badge,
)
from exoinventory.numbers.admin.search import PhoneNumberSearchMixin
from exoinventory.numbers.models import Account, Circle, ConnectivityRun, ExoPhoneChange, SyncRun
from exoinventory.numbers.selectors.sync import configured_sids


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("sid", "display_name", "api_host", "configured")
    fields = ("sid", "api_host", "display_name", "configured")
    readonly_fields = ("sid", "api_host", "configured")

    @admin.display(description="configured")
    def configured(self, obj: Account) -> str:
        # An account removed from EXOTEL_ACCOUNTS keeps its numbers and history,
        # and is left out of staleness warnings and /healthz.
        return "yes" if obj.sid in configured_sids() else "not configured"

    # Accounts are created by the sync from EXOTEL_ACCOUNTS, and their numbers
    # and sync runs keep them (PROTECT).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return False


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Circle | None = None
    ) -> tuple[str, ...]:
        # The code is the primary key: editing it would save a second circle.
        return ("code",) if obj is not None else ()


class RecordAdmin(admin.ModelAdmin):
    """Read-only for everyone: what the sync observed stays as observed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(RecordAdmin):
    list_display = (
        "started_at",
        "account",
        "kind",
        "trigger",
        "outcome",
        "duration",
        "numbers_seen",
        "numbers_created",
        "numbers_updated",
        "connectivity_checked",
        "numbers_unchecked",
        "numbers_released",
        "records_skipped",
        "emptied",
        "requests",
        "error",
    )
    list_select_related = ("account",)
    list_filter = ("account", "kind", "outcome", "trigger", "listing_complete")
    date_hierarchy = "started_at"
    # The run's page shows it too, below its fields.
    readonly_fields = ("duration",)

    @admin.display(description="duration")
    def duration(self, obj: SyncRun) -> str:
        """ "1 s", "3 min 12 s"; nothing while the run is still going."""
        if obj.finished_at is None:
            return ""
        return duration_text(obj.finished_at - obj.started_at)

    @admin.display(description="fields emptied")
    def emptied(self, obj: SyncRun) -> str:
        """Unreadable values stored empty, per field: why a run is partial."""
        # Sorted here: PostgreSQL's jsonb keeps its own key order.
        return ", ".join(f"{name} ({n})" for name, n in sorted(obj.fields_emptied.items()))


@admin.register(ExoPhoneChange)
class ExoPhoneChangeAdmin(PhoneNumberSearchMixin, RecordAdmin):
    list_display = (
        "observed_at",
        "exophone",
        "field",
        "old",
        "new",
        "author",
        "exotel_date_updated",
    )
    # The number's currency shows its amounts; the user is named by the
    # username kept on the record, which needs no join.
    list_select_related = ("exophone",)
    list_filter = ("source", "field")
    search_fields = ("exophone__phone_number", "old_value", "new_value", "user_name")
    search_help_text = "A number in any form, part of an old or new value, or a username."
    phone_number_field = "exophone__phone_number"
    # The record's page: amounts as money too, and the author by name.
    fields = (
        "exophone",
        "field",
        "old",
        "new",
        "observed_at",
        "author",
        "sync_run",
        "exotel_date_updated",
    )
    readonly_fields = ("old", "new", "author")

    @admin.display(description="old value")
    def old(self, obj: ExoPhoneChange) -> str:
        return change_value(obj.old_value, obj.field, obj.exophone.currency)

    @admin.display(description="new value")
    def new(self, obj: ExoPhoneChange) -> str:
        return change_value(obj.new_value, obj.field, obj.exophone.currency)

    @admin.display(description="by", ordering="source")
    def author(self, obj: ExoPhoneChange) -> str:
        return change_author(obj)


@admin.register(ConnectivityRun)
class ConnectivityRunAdmin(PhoneNumberSearchMixin, RecordAdmin):
    list_display = (
        "exophone",
        "direction",
        "badge",
        "first_observed_at",
        "last_observed_at",
        "lasted",
        "alternates_shown",
        "is_current",
    )
    list_select_related = ("exophone",)
    list_filter = ("direction", "status", "is_current")
    search_fields = ("exophone__phone_number",)
    search_help_text = "A number in any form."
    phone_number_field = "exophone__phone_number"

    @admin.display(description="status", ordering="status")
    def badge(self, obj: ConnectivityRun) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description="for")
    def lasted(self, obj: ConnectivityRun) -> str:
        """First to last observation, "3 h 12 min"; a run observed once has no length."""
        if obj.first_observed_at == obj.last_observed_at:
            return "seen once"
        return duration_text(obj.last_observed_at - obj.first_observed_at)

    @admin.display(description="alternates")
    def alternates_shown(self, obj: ConnectivityRun) -> str:
        """The numbers Exotel offered, as a list people read, not as JSON."""
        if not isinstance(obj.alternates, list):
            return ""
        return ", ".join(str(number) for number in obj.alternates)
