from django.urls import include, path

from .bidding import views as bid_views
from .qualification import services, views
from .results import views as result_views
from .schedule import views as schedule_views

app_name = "auctions"
urlpatterns = [
    path("", schedule_views.auction_list, name="list"),
    path("<int:pk>/", schedule_views.auction_detail, name="detail"),
    path("<int:pk>/expected-capacity/", views.expected_capacity, name="expected_capacity"),
    path("<int:pk>/expected-capacity/<int:resource_pk>/", views.expected_capacity_apply,
         name="expected_capacity_apply"),
    path("<int:pk>/qualified/", views.qualified, name="qualified"),
    path("<int:pk>/results/", result_views.results_page, name="results"),
    path("<int:pk>/results/awards.csv", result_views.awards_csv, name="results_awards_csv"),
    path("<int:pk>/results/summary.csv", result_views.summary_csv, name="results_summary_csv"),
    path("<int:pk>/qualification-notice/", views.qualification_notice, name="qualification_notice"),
    path("<int:pk>/expected-capacity/import/", views.expected_capacity_import, name="import"),
    path("<int:pk>/expected-capacity/import/template.csv", views.expected_capacity_import_template,
         name="import_template"),
    path("expected-capacity/import/<int:pk>/", views.import_job, name="import_job"),
    path("expected-capacity/import/<int:pk>/status.json", views.import_status, name="import_status"),
    path("expected-capacity/applications/", include(services.expected_capacity_applications.urls())),
    path("<int:pk>/bids/", bid_views.bid_page, name="bids"),
    path("<int:pk>/bids/<int:bid_pk>/", bid_views.bid_detail, name="bid_detail"),
    path("<int:pk>/bids/<int:bid_pk>/withdraw/", bid_views.bid_withdraw, name="bid_withdraw"),
    path("<int:pk>/bids.csv", bid_views.bids_csv, name="bids_csv"),
    path("<int:pk>/bids/import/", bid_views.bid_import, name="bid_import"),
    path("<int:pk>/bids/import/template.csv", bid_views.bid_import_template, name="bid_import_template"),
    path("bids/receipts/<int:pk>/", bid_views.bid_receipt, name="bid_receipt"),
    path("bids/import/<int:pk>/", bid_views.bid_import_job, name="bid_import_job"),
    path("bids/import/<int:pk>/status.json", bid_views.bid_import_status, name="bid_import_status"),
]
