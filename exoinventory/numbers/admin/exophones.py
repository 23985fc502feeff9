"""The ExoPhone admin: the inventory list, its filters and the number's page.

Mirrored and connectivity fields come from the sync and are read-only for
everyone; only the local fields (owner, cost centre, notes) are editable.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from exoinventory.numbers.admin.display import circle_label, money, status_now_badge
from exoinventory.numbers.admin.filters import (
    CircleFilter,
    FlowFilter,
    IncomingStatusFilter,
    OutgoingStatusFilter,
    ReleasedFilter,
)
from exoinventory.numbers.admin.search import PhoneNumberSearchMixin
from exoinventory.numbers.models import LOCAL_FIELDS, Direction, ExoPhone
from exoinventory.numbers.selectors.admin import (
    CHANGES_SHOWN,
    exophone_changes,
    exophone_timeline,
    with_circle_name,
)
from exoinventory.numbers.selectors.freshness import Freshness

# Everything but the local fields is the sync's: a field added to the model
# later is read-only until someone decides otherwise.
SYNCED_FIELDS = tuple(
    field.name
    for field in ExoPhone._meta.concrete_fields
    if field.name not in LOCAL_FIELDS and not field.primary_key
)


@admin.register(ExoPhone)
class ExoPhoneAdmin(PhoneNumberSearchMixin, admin.ModelAdmin):
    list_display = (
        "phone_number",
        "friendly_name",
        "account",
        "circle",
        "incoming",
        "outgoing",
        "rental",
        "flows",
        "released",
    )
    list_select_related = ("account",)
    list_filter = (
        "account",
        CircleFilter,
        "number_type",
        IncomingStatusFilter,
        OutgoingStatusFilter,
        FlowFilter,
        ReleasedFilter,
    )
    search_fields = ("phone_number", "friendly_name", "sid", "voice_url", "sms_url")
    search_help_text = (
        "A number in any form (+91…, 0…, 10 digits, spaces or dashes), "
        "a friendly name, a sid or part of a flow URL."
    )
    list_per_page = 100
    readonly_fields = (*SYNCED_FIELDS, "circle", "incoming", "outgoing")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("phone_number", "friendly_name"),
                    ("account", "sid"),
                    ("circle", "country"),
                    ("number_type", "vanity_number"),
                    ("voice_capable", "sms_capable"),
                )
            },
        ),
        ("Flows", {"fields": ("voice_url", "sms_url")}),
        (
            "Prices",
            {
                "fields": (
                    "currency",
                    ("rental_price", "one_time_price"),
                    ("incoming_rate", "incoming_pulse"),
                )
            },
        ),
        (
            "Connectivity",
            {
                "fields": (
                    ("incoming", "incoming_checked_at", "incoming_alternates"),
                    ("outgoing", "outgoing_checked_at", "outgoing_alternates"),
                    ("connectivity_observed_at", "connectivity_attempted_at"),
                )
            },
        ),
        (
            "Seen by the sync",
            {
                "fields": (
                    ("first_seen", "last_seen", "released_at"),
                    ("date_created", "date_updated"),
                    "uri",
                )
            },
        ),
        ("Ours (kept across syncs)", {"fields": LOCAL_FIELDS}),
    )

    class Media:
        css = {"all": ("numbers/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExoPhone]:
        freshness = Freshness.at(timezone.now())
        return freshness.annotate(with_circle_name(super().get_queryset(request)))

    # Numbers come from the sync, and a released number keeps its history.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExoPhone | None = None) -> bool:
        return False

    @admin.display(description="circle", ordering="circle_name")
    def circle(self, obj: ExoPhone) -> str:
        return circle_label(obj.region, obj.circle_name)

    @admin.display(description="incoming", ordering="incoming_now")
    def incoming(self, obj: ExoPhone) -> SafeString:
        return status_now_badge(obj, Direction.INCOMING)

    @admin.display(description="outgoing", ordering="outgoing_now")
    def outgoing(self, obj: ExoPhone) -> SafeString:
        return status_now_badge(obj, Direction.OUTGOING)

    @admin.display(description="rental / month", ordering="rental_price")
    def rental(self, obj: ExoPhone) -> str:
        return money(obj.rental_price, obj.currency)

    @admin.display(description="flows")
    def flows(self, obj: ExoPhone) -> SafeString:
        assigned = [
            (kind, url) for kind, url in (("voice", obj.voice_url), ("SMS", obj.sms_url)) if url
        ]
        if not assigned:
            return format_html('<span class="exo-quiet">{}</span>', "no flow")
        return format_html_join("", "<div>{}: {}</div>", assigned)

    @admin.display(description="released", ordering="released_at")
    def released(self, obj: ExoPhone) -> SafeString | str:
        if obj.released_at is None:
            return ""
        released_on = date_format(timezone.localtime(obj.released_at), "DATE_FORMAT")
        return format_html('<span class="exo-released">released {}</span>', released_on)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ExoPhone | None = None,
    ) -> HttpResponse:
        # Each history is shown to those allowed to read it in its own admin;
        # None leaves its section out of the page.
        user = request.user
        now = timezone.now()
        fresh_for = Freshness.at(now).cadence(obj.account_id).fresh_for if obj is not None else None
        # "2 hours, 10 minutes": the window the timeline's help text names.
        context["fresh_for"] = timesince(now - fresh_for, now) if fresh_for else ""
        context["changes"] = (
            exophone_changes(exophone=obj)
            if obj is not None and user.has_perm("numbers.view_exophonechange")
            else None
        )
        context["changes_shown"] = CHANGES_SHOWN
        context["timeline"] = (
            exophone_timeline(exophone=obj, now=now, fresh_for=fresh_for)
            if obj is not None and user.has_perm("numbers.view_connectivityrun")
            else None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)
