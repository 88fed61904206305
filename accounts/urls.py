from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("password/change-required/", views.password_change_required, name="password_change_required"),
    path("users/", views.user_list, name="user_list"),
]
