"""The ExoPhone list's filters that Django's field filters cannot express."""

from collections.abc import Iterable

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from exoinventory.numbers.admin.display import NO_DATA, circle_label
from exoinventory.numbers.models import Circle, ConnectivityStatus, ExoPhone
from exoinventory.numbers.selectors.choices import distinct_values

Lookups = Iterable[tuple[str, str]]

# Query values that cannot collide with what they stand beside: circle codes
# are stored upper-case, and Exotel's status words have no spaces.
NO_CIRCLE = "none"
# How an empty currency or cost centre is listed (the costs report's word too).
NONE = "(none)"

NO_VOICE_FLOW = Q(voice_url__isnull=True) | Q(voice_url="")
NO_SMS_FLOW = Q(sms_url__isnull=True) | Q(sms_url="")


class CircleFilter(admin.SimpleListFilter):
    """The circles that numbers are in, with their names."""

    title = "circle"
    parameter_name = "circle"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> Lookups:
        # The distinct codes first, then the small circle table: naming every
        # row before DISTINCT cost 48 ms at 20,000 numbers (docs/benchmarks.md).
        present = distinct_values("region")
        names = dict(Circle.objects.values_list("code", "name"))
        return [
            (code, circle_label(code, names.get(code))) if code else (NO_CIRCLE, "no circle")
            for code in present
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(region="" if value == NO_CIRCLE else value)


class _StatusFilter(admin.SimpleListFilter):
    """Exotel's statuses of one direction as they stand now, and "no data":
    never observed, released, or last observed too long ago (the freshness
    rule, selectors.freshness; ExoPhoneAdmin annotates `<direction>_now`)."""

    field: str

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> Lookups:
        return [*ConnectivityStatus.choices, (NO_DATA, NO_DATA)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{self.field: "" if value == NO_DATA else value})


class IncomingStatusFilter(_StatusFilter):
    title = "incoming calls"
    parameter_name = "incoming"
    field = "incoming_now"


class OutgoingStatusFilter(_StatusFilter):
    title = "outgoing calls"
    parameter_name = "outgoing"
    field = "outgoing_now"


class FlowFilter(admin.SimpleListFilter):
    title = "flow assigned"
    parameter_name = "flow"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> Lookups:
        return [
            ("voice", "voice flow"),
            ("sms", "SMS flow"),
            ("any", "any flow"),
            ("no_voice", "no voice flow"),
            ("no_sms", "no SMS flow"),
            ("none", "no flow"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
        match self.value():
            case "voice":
                return queryset.exclude(NO_VOICE_FLOW)
            case "sms":
                return queryset.exclude(NO_SMS_FLOW)
            case "any":
                return queryset.exclude(NO_VOICE_FLOW & NO_SMS_FLOW)
            case "no_voice":
                return queryset.filter(NO_VOICE_FLOW)
            case "no_sms":
                return queryset.filter(NO_SMS_FLOW)
            case "none":
                return queryset.filter(NO_VOICE_FLOW & NO_SMS_FLOW)
        return queryset


class ReleasedFilter(admin.SimpleListFilter):
    title = "released"
    parameter_name = "released"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> Lookups:
        return [("current", "current"), ("released", "released")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
        match self.value():
            case "current":
                return queryset.filter(released_at__isnull=True)
            case "released":
                return queryset.filter(released_at__isnull=False)
        return queryset


class _PresentValuesFilter(admin.SimpleListFilter):
    """The values of `field` that numbers have, and "(none)" for an empty one.

    The empty value is "(none)"'s key in the query string: no value a number
    has can collide with it, as a word like "none" could with a cost centre."""

    field: str

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> Lookups:
        return [(value, value or NONE) for value in distinct_values(self.field)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ExoPhone]) -> QuerySet[ExoPhone]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{self.field: value})


class NumberTypeFilter(_PresentValuesFilter):
    title = "number type"
    parameter_name = "number_type"
    field = "number_type"


class CurrencyFilter(_PresentValuesFilter):
    title = "currency"
    parameter_name = "currency"
    field = "currency"


class CostCentreFilter(_PresentValuesFilter):
    title = "cost centre"
    parameter_name = "cost_centre"
    field = "cost_centre"
