"""Reads of notices, always for a user: published now and addressed to the user's operator."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capacity_market.roles import is_occto_staff
from capacity_market.scoping import operator_ids_for

from .models import Notice, NoticeDelivery, NoticeDispatch, NoticeRead, published_q


def notices_for_user(*, user) -> QuerySet[Notice]:
    """Notices published now that `user` may read, newest first, each annotated with `is_read`.

    Operator users (and, through `operator_ids_for`, anyone acting for an operator) see notices addressed to
    all operators or to one of their operators; OCCTO staff see every published notice; anybody else none.
    One query whatever the number of rows: the audience and the read mark are EXISTS subqueries.
    """
    now = timezone.now()
    queryset = Notice.objects.filter(published_q(now))
    if not is_occto_staff(user):
        operator_ids = operator_ids_for(user)
        if not operator_ids:
            # Still annotated below: the home page counts the unread ones (`is_read`) for this user too.
            queryset = queryset.none()
        else:
            chosen = Notice.operators.through.objects.filter(notice_id=OuterRef("pk"), operator_id__in=operator_ids)
            queryset = queryset.filter(Q(to_all_operators=True) | Exists(chosen))
    return queryset.annotate(
        is_read=Exists(NoticeRead.objects.filter(notice_id=OuterRef("pk"), user_id=user.pk))
    ).order_by("-publish_from", "-id")


def notice_get_for_user(*, user, pk) -> Notice:
    """One notice `user` may read now; missing, unpublished and not-for-your-operator all raise Http404."""
    try:
        return notices_for_user(user=user).get(pk=pk)
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def unread_count_for_user(*, user) -> int:
    """How many notices `user` may read now and has not opened."""
    return notices_for_user(user=user).filter(is_read=False).count()


def audience_users(*, notice: Notice) -> QuerySet:
    """The active users of the notice's audience operators (active operators only) that have an e-mail."""
    users = get_user_model().objects.filter(
        is_active=True, operator__isnull=False, operator__is_active=True, operator__deleted_at__isnull=True
    ).exclude(email="")
    if not notice.to_all_operators:
        users = users.filter(operator__in=notice.operators.all())
    return users.order_by("pk")


def open_dispatch_for(*, notice: Notice) -> NoticeDispatch | None:
    return notice.dispatches.filter(status__in=["queued", "sending"]).first()


def dispatch_recipients_left(*, dispatch: NoticeDispatch) -> QuerySet:
    """Audience users this dispatch has not yet e-mailed (so a retried task carries on where it stopped)."""
    done = NoticeDelivery.objects.filter(dispatch=dispatch, user_id__isnull=False).values("user_id")
    return audience_users(notice=dispatch.notice).exclude(pk__in=done)
