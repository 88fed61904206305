from django.urls import path

from . import views

app_name = "registration"
urlpatterns = [
    path("apply/", views.use_application, name="use_application"),
    path("apply/done/", views.use_application_done, name="use_application_done"),
    path("apply/correct/<str:token>/", views.use_application_resubmit, name="use_application_resubmit"),
    path("operator/", views.operator_detail, name="operator_detail"),
    path("operator/change/", views.change_application, name="change_application"),
    path("operator/delete/", views.deletion_application, name="deletion_application"),
    path("operator/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("operator/applications/<int:pk>/resubmit/", views.application_resubmit, name="application_resubmit"),
    path("operator/applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
]
