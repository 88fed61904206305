from django.urls import path, re_path

from . import views

app_name = "accounts"
urlpatterns = [
    # Our password pages. They come before allauth.urls (capacity_market/urls.py), so /accounts/password/change/
    # (allauth's `account_change_password`) is ours too.
    path("password/change/", views.password_change, name="password_change"),
    path("password/change-required/", views.password_change_required, name="password_change_required"),
    path("password/set/<str:uidb64>/<str:token>/", views.set_password, name="set_password"),
    # User management (ユーザ情報管理機能) for the operator admin.
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_issue, name="user_issue"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/delete/", views.user_delete, name="user_delete"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reissue-password/", views.user_reissue_password, name="user_reissue_password"),
    path("users/<int:pk>/hand-over/", views.user_hand_over, name="user_hand_over"),
    # allauth pages this system does not offer answer 404: there is no sign-up, the operator admin (or OCCTO)
    # reissues passwords instead of a self-service reset, and e-mail addresses are edited by the admin.
    # "inactive": LoginIdBackend refuses deactivated users itself, so allauth never sends anyone there.
    re_path(
        r"^(?:signup|reauthenticate|email|confirm-email|login/code|password/reset|password/set/?$|phone|inactive)",
        views.not_offered,
    ),
]
