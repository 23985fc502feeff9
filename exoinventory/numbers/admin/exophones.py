"""The ExoPhone admin: the inventory list, its filters and the number's page.

Mirrored and connectivity fields come from the sync and are read-only for
everyone. The local fields (owner, cost centre, notes) are editable, each by
those holding its permission (services.local_edits), and every edit, one
number's or the bulk actions', is a change record with the user.
"""

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timesince import timesince

from exoinventory.numbers.admin.display import (
    MONEY_FIELDS,
    circle_label,
    money,
    status_badge,
    status_now_badge,
)
from exoinventory.numbers.admin.filters import (
    CircleFilter,
    CostCentreFilter,
    CurrencyFilter,
    FlowFilter,
    IncomingStatusFilter,
    NumberTypeFilter,
    OutgoingStatusFilter,
    ReleasedFilter,
)
from exoinventory.numbers.admin.number_page import TIMELINE_DAYS, number_page_context
from exoinventory.numbers.admin.search import PhoneNumberSearchMixin
from exoinventory.numbers.models import LOCAL_FIELDS, Direction, ExoPhone
from exoinventory.numbers.selectors.admin import (
    exophone_page,
    with_circle_name,
)
from exoinventory.numbers.selectors.flows import flow_id
from exoinventory.numbers.selectors.freshness import (
    Freshness,
    last_seen_text,
    with_status_since,
)
from exoinventory.numbers.selectors.outages import number_outages
from exoinventory.numbers.services.local_edits import (
    FIELD_PERMISSIONS,
    exophone_editable_fields,
    exophone_local_edit,
    exophones_bulk_set,
)

# Everything but the local fields is the sync's: a field added to the model
# later is read-only until someone decides otherwise.
SYNCED_FIELDS = tuple(
    field.name
    for field in ExoPhone._meta.concrete_fields
    if field.name not in LOCAL_FIELDS and not field.primary_key
)
# Shown through display methods instead: "INR 1,499.50", never 1499.500000.
SHOWN_AS_MONEY = ("rental", "one_time", "rate_per_pulse")
# The bulk actions' confirmation page names at most this many of the numbers.
NUMBERS_NAMED = 10
# Marks the confirmation page's POST, as "post" does Django's delete confirmation.
APPLY = "apply"


class ExoPhoneChangeList(ChangeList):
    """Sorting by an amount sorts within a currency (currency first, then the
    amount): a sort across currencies would put INR 900 between USD 5 and USD 7."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[ExoPhone]) -> list[Any]:
        ordering: list[Any] = []
        for key in super().get_ordering(request, queryset):
            amount = isinstance(key, str) and key.lstrip("-") in MONEY_FIELDS
            if amount and "currency" not in ordering:
                ordering.append("currency")
            ordering.append(key)
        return ordering


class BulkSetForm(forms.Form):
    """The value a bulk action sets on every selected number; empty clears it."""

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model field's own form field: its label, max_length, not required.
        self.fields["value"] = ExoPhone._meta.get_field(field).formfield()


def status_cell(phone: ExoPhone, direction: str, *, now: datetime) -> SafeString:
    """A status in the list, where a cell has room for two short lines: as
    status_now_badge shows it, but a status gone stale says only how long
    ago it was seen, and what it was on hover."""
    observed = phone.connectivity_observed_at
    stale = (
        not getattr(phone, f"{direction}_now")
        and getattr(phone, f"{direction}_status")
        and observed is not None
        and phone.released_at is None
    )
    if not stale:
        return status_now_badge(phone, direction, now=now)
    return format_html(
        '{} <span class="exo-quiet exo-since" title="{}">seen {} ago</span>',
        status_badge(""),
        last_seen_text(phone, direction, now=now),
        timesince(observed, now, depth=1),
    )


def _numbers(count: int) -> str:
    return f"{count} number" if count == 1 else f"{count} numbers"


@admin.register(ExoPhone)
class ExoPhoneAdmin(PhoneNumberSearchMixin, admin.ModelAdmin):
    # What fits 1280 px with the nav sidebar open, each cell at most two
    # lines (numbers/admin.css); the account and cost centre are filters.
    list_display = (
        "phone_number",
        "name",
        "circle",
        "incoming",
        "outgoing",
        "rental",
        "flows",
        "released",
    )
    list_filter = (
        "account",
        CircleFilter,
        NumberTypeFilter,
        CurrencyFilter,
        CostCentreFilter,
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
    # A filtered list counts its own rows only, not the whole table again.
    show_full_result_count = False
    actions = ("set_cost_centre", "set_owner")
    # The summary, timeline and history come first (change_form.html); the
    # form then leads with the local fields, and keeps what Exotel says,
    # as stored, folded below them.
    fieldsets = (
        ("Ours (kept across syncs)", {"fields": LOCAL_FIELDS}),
        (
            "The number",
            {
                "classes": ("collapse",),
                "fields": (
                    ("phone_number", "friendly_name"),
                    ("account", "sid"),
                    ("circle", "country"),
                    ("number_type", "vanity_number"),
                    ("voice_capable", "sms_capable"),
                ),
            },
        ),
        ("Flows", {"classes": ("collapse",), "fields": ("voice_url", "sms_url")}),
        (
            "Prices",
            {
                "classes": ("collapse",),
                "fields": (
                    "currency",
                    ("rental", "one_time"),
                    ("rate_per_pulse", "incoming_pulse"),
                ),
            },
        ),
        (
            "Connectivity as last observed",
            {
                "classes": ("collapse",),
                "fields": (
                    ("incoming_status", "incoming_checked_at", "incoming_alternates"),
                    ("outgoing_status", "outgoing_checked_at", "outgoing_alternates"),
                    ("connectivity_observed_at", "connectivity_attempted_at"),
                ),
            },
        ),
        (
            "Seen by the sync",
            {
                "classes": ("collapse",),
                "fields": (
                    ("first_seen", "last_listed", "unlisted_since", "released_at"),
                    ("date_created", "date_updated"),
                    "uri",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExoPhone]:
        freshness = Freshness.at(timezone.now())
        return with_status_since(
            freshness.annotate(with_circle_name(super().get_queryset(request)))
        )

    # Numbers come from the sync, and a released number keeps its history.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExoPhone | None = None) -> bool:
        return False

    # Editing means editing a local field: Django's "Can change ExoPhone"
    # grants nothing here, each local field's own permission does.
    def has_change_permission(self, request: HttpRequest, obj: ExoPhone | None = None) -> bool:
        return bool(exophone_editable_fields(user=request.user))

    def has_edit_owner_and_cost_centre_permission(self, request: HttpRequest) -> bool:
        """Who may run the bulk actions (admin.action's `permissions`)."""
        return request.user.has_perm(FIELD_PERMISSIONS["cost_centre"])

    def get_readonly_fields(
        self, request: HttpRequest, obj: ExoPhone | None = None
    ) -> tuple[str, ...]:
        editable = exophone_editable_fields(user=request.user)
        return (
            *SYNCED_FIELDS,
            "circle",
            "last_listed",
            *SHOWN_AS_MONEY,
            *(name for name in LOCAL_FIELDS if name not in editable),
        )

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The flows report links to an account's numbers by its sid.
        return lookup == "account__sid" or super().lookup_allowed(lookup, value, request)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ExoPhoneChangeList

    def save_model(
        self, request: HttpRequest, obj: ExoPhone, form: ModelForm, change: bool
    ) -> None:
        # The form holds only the fields this user may edit; the service
        # checks again, writes them and records each change with the user.
        exophone_local_edit(
            exophone=obj,
            user=request.user,
            changes={name: form.cleaned_data[name] for name in form.changed_data},
        )

    @admin.display(description="name", ordering="friendly_name")
    def name(self, obj: ExoPhone) -> SafeString:
        # Clamped to two lines in the list; the whole name on hover.
        return format_html(
            '<span class="exo-clamp" title="{}">{}</span>', obj.friendly_name, obj.friendly_name
        )

    @admin.display(description="circle", ordering="circle_name")
    def circle(self, obj: ExoPhone) -> str:
        return circle_label(obj.region, obj.circle_name)

    @admin.display(description="incoming", ordering="incoming_now")
    def incoming(self, obj: ExoPhone) -> SafeString:
        return status_cell(obj, Direction.INCOMING, now=timezone.now())

    @admin.display(description="outgoing", ordering="outgoing_now")
    def outgoing(self, obj: ExoPhone) -> SafeString:
        return status_cell(obj, Direction.OUTGOING, now=timezone.now())

    # Sorted within a currency by ExoPhoneChangeList.
    @admin.display(description="rental / month", ordering="rental_price")
    def rental(self, obj: ExoPhone) -> str:
        return money(obj.rental_price, obj.currency)

    @admin.display(description="one-time price")
    def one_time(self, obj: ExoPhone) -> str:
        return money(obj.one_time_price, obj.currency)

    @admin.display(description="incoming rate / pulse")
    def rate_per_pulse(self, obj: ExoPhone) -> str:
        return money(obj.incoming_rate, obj.currency)

    @admin.display(description="flows")
    def flows(self, obj: ExoPhone) -> SafeString:
        """Each flow by its short id ("voice 229"), its URL on hover."""
        assigned = [(url, flow_id(url)) for url in (obj.voice_url, obj.sms_url) if url]
        if not assigned:
            return format_html('<span class="exo-quiet">{}</span>', "no flow")
        return format_html_join("", '<div class="exo-flow" title="{}">{}</div>', assigned)

    @admin.display(description="last seen")
    def last_listed(self, obj: ExoPhone) -> datetime:
        return obj.last_listed

    @admin.display(description="released", ordering="released_at")
    def released(self, obj: ExoPhone) -> SafeString | str:
        if obj.released_at is None:
            return ""
        released_on = date_format(timezone.localtime(obj.released_at), "DATE_FORMAT")
        return format_html('<span class="exo-released">{}</span>', released_on)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ExoPhone | None = None,
    ) -> HttpResponse:
        if obj is not None:
            # Each history is shown to those allowed to read it in its own
            # admin; None leaves its section out of the page.
            user = request.user
            now = timezone.now()
            page = exophone_page(
                exophone=obj,
                now=now,
                with_changes=user.has_perm("numbers.view_exophonechange"),
            )
            outages = (
                number_outages(
                    exophone=obj, since=now - timedelta(days=TIMELINE_DAYS), until=now, now=now
                )
                if user.has_perm("numbers.view_connectivityrun")
                else None
            )
            context.update(
                number_page_context(page, now=now, outages=outages),
                sync_runs_viewable=user.has_perm("numbers.view_syncrun"),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Bulk actions: an intermediate page asks for the value, then one
    # change record per number that changed.

    @admin.action(
        description="Set cost centre for the selected numbers",
        permissions=["edit_owner_and_cost_centre"],
    )
    def set_cost_centre(
        self, request: HttpRequest, queryset: QuerySet[ExoPhone]
    ) -> TemplateResponse | None:
        return self._bulk_set(request, queryset, action="set_cost_centre", field="cost_centre")

    @admin.action(
        description="Set owner for the selected numbers",
        permissions=["edit_owner_and_cost_centre"],
    )
    def set_owner(
        self, request: HttpRequest, queryset: QuerySet[ExoPhone]
    ) -> TemplateResponse | None:
        return self._bulk_set(request, queryset, action="set_owner", field="owner")

    def _bulk_set(
        self, request: HttpRequest, queryset: QuerySet[ExoPhone], *, action: str, field: str
    ) -> TemplateResponse | None:
        """The value form for the selected numbers, or, once it is posted
        valid, the edit: None sends the user back to the list."""
        form = BulkSetForm(request.POST if APPLY in request.POST else None, field=field)
        label = str(ExoPhone._meta.get_field(field).verbose_name)
        selected = queryset.count()
        if form.is_valid():
            value = form.cleaned_data["value"]
            changed = exophones_bulk_set(
                exophones=queryset, user=request.user, field=field, value=value
            )
            done = f"set to “{value}”" if value else "cleared"
            unchanged = f"; {selected - changed} had it already" if changed < selected else ""
            self.message_user(
                request,
                f"{capfirst(label)} {done} on {_numbers(changed)}{unchanged}.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Set the {label} of {_numbers(selected)}",
            "opts": self.opts,
            "media": self.media,
            "form": form,
            "action": action,
            "apply": APPLY,
            # Posted back as they came, so that Django selects the same
            # numbers again: the ticked ones, or every one the filters list.
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "ticked": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "named": list(queryset.values_list("phone_number", flat=True)[:NUMBERS_NAMED]),
            "unnamed": max(0, selected - NUMBERS_NAMED),
        }
        return TemplateResponse(request, "admin/numbers/exophone/bulk_set.html", context)
