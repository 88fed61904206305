"""Pages of accounts: password pages and the operator admin's user management (ユーザ情報管理機能).

Thin views: selectors read (scoped to the viewer's operator, 404 for anything else), services write.
OCCTO staff manage users in the Django admin (accounts.admin), not here.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from capacity_market.errors import DomainError
from capacity_market.roles import is_occto_staff

from . import selectors, services
from .forms import HandOverForm, PasswordChangeForm, SetPasswordForm, UserDetailsForm, UserIssueForm

PAGE_SIZE = 50


def not_offered(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """allauth pages this system does not offer: sign-up, self-service password reset, e-mail management."""
    raise Http404(_("Not found."))


# --- Passwords ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def password_change_required(request: HttpRequest) -> HttpResponse:
    """The first log-in after an ID is issued (or a password reissued) must set a new password."""
    if not request.user.must_change_password:
        return redirect("home")
    return _password_change(request, via="forced", template="accounts/password_change_required.html")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """A logged-in user changes their own password."""
    return _password_change(request, via="voluntary", template="accounts/password_change.html")


def _password_change(request: HttpRequest, *, via: str, template: str) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.set_password(user=request.user, password=form.cleaned_data["new_password1"], via=via)
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, template, {"form": form})


class SetPasswordView(PasswordResetConfirmView):
    """The e-mailed one-time link (ID issue, password reissue): set a password, then log in.

    Django's view keeps the token out of the address bar (it moves it into the session and redirects), and
    answers an unknown, tampered, expired or used link with a friendly page instead of an error.
    """

    token_generator = services.set_password_tokens
    form_class = SetPasswordForm
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("account_login")
    post_reset_login = False
    title = gettext_lazy("Set your password")

    def form_valid(self, form):
        services.set_password(user=self.user, password=form.cleaned_data["new_password1"], via="link")
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password has been set. Log in with your login ID and the new "
                                         "password."))
        return redirect(self.get_success_url())


set_password = SetPasswordView.as_view()


# --- User management (operator admin) ----------------------------------------------------------------------


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/forbidden.html", {"message": message}, status=403)


def operator_admin_required(view):
    """Logged in and the current admin of an operator; anyone else gets 403 with the reason."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if is_occto_staff(request.user):
            return _forbidden(request, _("OCCTO staff manage users in the administration screens."))
        if not request.user.is_operator_admin:
            return _forbidden(request, _("Only your operator's administrator can manage users."))
        return view(request, *args, **kwargs)

    return wrapped


@operator_admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    include_deleted = request.GET.get("deleted") == "1"
    users = selectors.user_list_for_user(user=request.user, include_deleted=include_deleted)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "include_deleted": include_deleted})


@operator_admin_required
@require_http_methods(["GET", "POST"])
def user_issue(request: HttpRequest) -> HttpResponse:
    form = UserIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.issue_user_id(actor=request.user, operator=request.user.operator, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The user ID %(login_id)s has been issued. A link to set the password "
                                        "has been e-mailed to %(email)s.") % {"login_id": user.login_id,
                                                                               "email": user.email})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "issuing": True})


@operator_admin_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    return render(request, "accounts/user_detail.html", {"target": target})


@operator_admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    if not target.is_active:
        messages.error(request, _("This ID has been deleted."))
        return redirect("accounts:user_detail", pk=target.pk)
    initial = {f: getattr(target, f) for f in services.EDITABLE_FIELDS}
    form = UserDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=request.user, user=target, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The user information has been saved."))
            return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_form.html", {"form": form, "target": target, "issuing": False})


def _confirmed_action(request, pk, *, service, title, question, button, done, danger=False, form_class=None):
    """GET: a confirmation page. POST: call the service, show its result, back to the user's page."""
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            service(actor=request.user, user=target)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done % {"login_id": target.login_id})
            if not request.user.is_operator_admin:  # handed the role over: user management is closed now
                return redirect("home")
        return redirect("accounts:user_detail", pk=target.pk)
    return render(request, "accounts/user_confirm.html", {
        "target": target, "title": title, "question": question, "button": button, "danger": danger, "form": form,
    })


@operator_admin_required
@require_http_methods(["GET", "POST"])
def user_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirmed_action(
        request, pk, service=services.deactivate_user, danger=True,
        title=_("Delete a user ID"),
        question=_("Delete this user ID? The person can no longer log in. The record is kept."),
        button=_("Delete"), done=_("The user ID %(login_id)s has been deleted."),
    )


@operator_admin_required
@require_http_methods(["GET", "POST"])
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirmed_action(
        request, pk, service=services.unlock_user,
        title=_("Unlock a user"),
        question=_("Unlock this user? Their count of failed log-ins starts again from zero."),
        button=_("Unlock"), done=_("The user %(login_id)s has been unlocked."),
    )


@operator_admin_required
@require_http_methods(["GET", "POST"])
def user_reissue_password(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirmed_action(
        request, pk, service=services.reissue_password,
        title=_("Reissue a password"),
        question=_("Reissue this user's password? The current password stops working now, and a link to set a "
                   "new one is e-mailed to the user. A locked user is unlocked at the same time."),
        button=_("Reissue the password"),
        done=_("The password of %(login_id)s has been reissued and a link to set a new one has been e-mailed."),
    )


@operator_admin_required
@require_http_methods(["GET", "POST"])
def user_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    def hand_over(*, actor, user):
        services.hand_over_admin(actor=actor, new_admin=user)

    return _confirmed_action(
        request, pk, service=hand_over, form_class=HandOverForm,
        title=_("Hand over the administrator role"),
        question=_("Make this user the administrator of your operator? You become an ordinary user and can no "
                   "longer manage users."),
        button=_("Hand over the administrator role"),
        done=_("%(login_id)s is now the administrator of your operator."),
    )

