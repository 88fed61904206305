from django.urls import include, path

from . import views
from .services import operator_applications, resource_applications

app_name = "registration"
urlpatterns = [
    path("apply/", views.use_application, name="use_application"),
    path("apply/done/", views.use_application_done, name="use_application_done"),
    path("apply/correct/<str:token>/", views.use_application_resubmit, name="use_application_resubmit"),
    path("operator/", views.operator_detail, name="operator_detail"),
    path("operator/change/", views.change_application, name="change_application"),
    path("operator/delete/", views.deletion_application, name="deletion_application"),
    path("operator/applications/", include(operator_applications.urls())),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/new/", views.resource_new, name="resource_new"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/change/", views.resource_change, name="resource_change"),
    path("resources/<int:pk>/delete/", views.resource_delete, name="resource_delete"),
    path("resources/applications/", include(resource_applications.urls())),
    path("resources/import/", views.resource_import, name="resource_import"),
    path("resources/import/template.csv", views.resource_import_template, name="resource_import_template"),
    path("resources/import/<int:pk>/", views.resource_import_job, name="resource_import_job"),
    path("resources/import/<int:pk>/status.json", views.resource_import_status, name="resource_import_status"),
    path("resources/export.csv", views.resource_export, name="resource_export"),
]
