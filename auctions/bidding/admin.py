"""OCCTO screens of bids: every bid with its versions and a CSV export of the filtered list, and the receipts."""

import csv

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from capacity_market.admin import OcctoAdminPermissions, area_column
from capacity_market.bulk_import import safe_cell

from ..models import (
    Bid,
    BidSubmission,
    BidVersion,
)


# --- bids (応札) and receipts: read-only for everyone -------------------------------------------------------------------
class BidVersionInline(OcctoAdminPermissions, admin.TabularInline):
    model = BidVersion
    editable = False
    extra = 0
    can_delete = False
    fields = ("version", "action", "status", "quantity_kw", "price_yen", "submission", "created_at", "created_by")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submission", "created_by")


BID_CSV_HEADER = (_("bid ID"), _("auction"), _("operator code"), _("operator"), _("grid code"), _("resource name"),
                  _("area"), _("category"), _("quantity (kW)"), _("price (yen/kW)"), _("status"), _("version"),
                  _("latest receipt"), _("updated at"))


class _Echo:
    def write(self, value):
        return value


class FilteredCsvExportMixin:
    """`export.csv` (URL name `<app>_<model>_export`) for a read-only list: the rows as filtered and searched now,
    streamed row by row as CSV (UTF-8 with BOM, formula-leading cells escaped), in the reader's language.
    A subclass sets `export_header`, `export_filename`, `export_related`, `export_ordering` and `export_row(obj)`."""

    export_header: tuple = ()
    export_filename = "export.csv"
    export_related: tuple = ()
    export_ordering: tuple = ("pk",)

    def export_row(self, obj) -> list:
        raise NotImplementedError

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export.csv", self.admin_site.admin_view(require_GET(self.export_view)), name=f"{info}_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            info = f"{self.opts.app_label}_{self.opts.model_name}"
            return HttpResponseRedirect(reverse(f"admin:{info}_changelist") + "?e=1")
        queryset = (changelist.get_queryset(request).select_related(*self.export_related)
                    .order_by(*self.export_ordering))
        language = translation.get_language()  # the rows are written after the view has returned

        def rows():
            with translation.override(language):
                writer = csv.writer(_Echo(), lineterminator="\r\n")
                yield "\ufeff" + writer.writerow([safe_cell(str(h)) for h in self.export_header])
                for obj in queryset.iterator(chunk_size=2000):
                    yield writer.writerow([safe_cell(v) for v in self.export_row(obj)])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.export_filename}"'
        return response


@admin.register(Bid)
class BidAdmin(FilteredCsvExportMixin, OcctoAdminPermissions, admin.ModelAdmin):
    """Every operator's bids, read-only, with their versions; the filtered list downloads as CSV."""

    editable = False
    list_display = ("bid_code", "auction_code", "operator", "grid_code", "resource_name", "area_label", "category",
                    "quantity_kw", "price_yen", "status", "version", "updated_at")
    list_filter = ("auction", "status", "area", "category", "operator")  # as bid: the snapshot at acceptance
    list_select_related = ("auction", "operator", "resource")
    search_fields = ("resource__grid_code", "operator__name")
    search_help_text = _("Search by grid code or operator name.")
    show_full_result_count = False
    change_list_template = "admin/auctions/bid/change_list.html"
    fields = ("auction", "operator", "resource", "area", "category", "status", "quantity_kw", "price_yen", "version",
              "submission", "created_at", "updated_at")
    readonly_fields = fields
    inlines = (BidVersionInline,)
    area_label = area_column()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("auction", "operator", "resource", "submission")

    @admin.display(description=_("bid ID"), ordering="pk")
    def bid_code(self, obj) -> str:
        return obj.bid_code

    @admin.display(description=_("auction"), ordering="auction__delivery_fiscal_year")
    def auction_code(self, obj) -> str:
        """The short code ("main-2030"): the list has many columns; the filter names the auctions in full."""
        return obj.auction.code

    @admin.display(description=_("grid code"), ordering="resource__grid_code")
    def grid_code(self, obj) -> str:
        return obj.resource.grid_code

    @admin.display(description=_("resource name"))
    def resource_name(self, obj) -> str:
        return obj.resource.name

    export_header = BID_CSV_HEADER
    export_filename = "bids.csv"
    export_related = ("auction", "operator", "resource", "submission")
    export_ordering = ("auction_id", "resource__grid_code", "pk")

    def export_row(self, bid) -> list:
        resource = bid.resource
        return [bid.bid_code, bid.auction.code, bid.operator.code, bid.operator.name, resource.grid_code,
                resource.name, bid.get_area_display(), bid.get_category_display(), bid.quantity_kw,
                bid.price_yen, bid.get_status_display(), bid.version, bid.submission.receipt_number,
                timezone.localtime(bid.updated_at).strftime("%Y-%m-%d %H:%M:%S")]


@admin.register(BidSubmission)
class BidSubmissionAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """Every accepted bid submission (受付), read-only."""

    editable = False
    list_display = ("receipt_number", "auction", "operator", "submitted_by", "source", "bid_count", "accepted_at")
    list_filter = ("auction", "source", "operator")
    list_select_related = ("auction", "operator", "submitted_by")
    search_fields = ("operator__name", "operator__code")
    fields = ("auction", "operator", "submitted_by", "source", "bid_count", "accepted_at", "idempotency_key",
              "import_job")
    readonly_fields = fields

    @admin.display(description=_("receipt number"), ordering="pk")
    def receipt_number(self, obj) -> str:
        return obj.receipt_number
