from django.urls import path

from . import views

app_name = "registration"
urlpatterns = [
    path("apply/", views.use_application, name="use_application"),
    path("operator/", views.operator_detail, name="operator_detail"),
]
