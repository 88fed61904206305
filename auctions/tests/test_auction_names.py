"""An auction's name is built from its kind and delivery year in the reader's language (issue #9 §2 item 10), and
the open windows read 「登録・期待容量」 in Japanese, "Registration, expected capacity" in English."""

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from auctions.csv_rows import auctions_by_code
from auctions.models import Auction, AuctionKind
from auctions.schedule import services
from tests import factories
from tests.factories import AuctionFactory

from .conftest import jst

pytestmark = pytest.mark.django_db

JA_MAIN, EN_MAIN = "メインオークション（実需給2030年度）", "Main auction (delivery FY2030)"


@pytest.mark.parametrize(("kind", "ja", "en"), [
    (AuctionKind.MAIN, JA_MAIN, EN_MAIN),
    (AuctionKind.ADDITIONAL, "追加オークション（実需給2030年度）", "Additional auction (delivery FY2030)"),
])
def test_the_name_is_built_from_kind_and_delivery_year_in_the_active_language(kind, ja, en):
    auction = AuctionFactory(kind=kind, delivery_fiscal_year=2030)
    with translation.override("ja"):
        assert str(auction) == ja
    with translation.override("en"):
        assert str(auction) == en
    assert auction.name == ja, "the stored name is the Japanese one"


def test_the_stored_name_follows_kind_and_year_whatever_was_typed():
    auction = AuctionFactory(delivery_fiscal_year=2030, name="第1回 何か")
    assert Auction.objects.get(pk=auction.pk).name == JA_MAIN
    auction.delivery_fiscal_year = 2031
    auction.save(update_fields=["delivery_fiscal_year"])
    assert Auction.objects.get(pk=auction.pk).name == "メインオークション（実需給2031年度）"


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_english_pages_show_the_english_name_and_japanese_pages_the_japanese_one(client_for, user_a, auction):
    client = client_for(user_a)
    for name in ("list", "detail", "expected_capacity", "qualified"):
        kwargs = {} if name == "list" else {"pk": auction.pk}
        page = client.get(reverse(f"auctions:{name}", kwargs=kwargs)).content.decode()
        assert JA_MAIN in page and EN_MAIN not in page, name
    _english(client)
    for name in ("list", "detail", "expected_capacity", "qualified"):
        kwargs = {} if name == "list" else {"pk": auction.pk}
        page = client.get(reverse(f"auctions:{name}", kwargs=kwargs)).content.decode()
        assert EN_MAIN in page and JA_MAIN not in page, name
    home = client.get("/").content.decode()
    assert EN_MAIN in home and JA_MAIN not in home


def test_the_open_windows_are_joined_in_each_languages_way(client_for, user_a, auction):
    """At the suite's clock the registration and expected-capacity windows of `auction` are open."""
    client = client_for(user_a)
    page = client.get(reverse("auctions:detail", kwargs={"pk": auction.pk})).content.decode()
    assert "登録・期待容量" in page
    _english(client)
    page = client.get(reverse("auctions:detail", kwargs={"pk": auction.pk})).content.decode()
    assert "Registration, expected capacity" in page and "・" not in page
    home = client.get("/").content.decode()
    assert "Registration, expected capacity" in home and "・" not in home


def test_a_reminder_names_the_auction_in_each_recipients_language(operator_a, operator_b):
    ja = factories.OperatorUserFactory(operator=operator_a, language="ja", login_id="ja-user")
    en = factories.OperatorAdminFactory(operator=operator_b, language="en", login_id="en-admin")
    AuctionFactory(delivery_fiscal_year=2030, registration_opens_at=jst(2026, 11, 2, 9, 0),
                   expected_capacity_deadline=jst(2026, 11, 30, 18, 0))
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.send_deadline_reminders(now=jst(2026, 11, 25, 8, 0))
    by_address = {m.to[0]: m for m in mail.outbox}
    assert JA_MAIN in by_address[ja.email].subject and JA_MAIN in by_address[ja.email].body
    assert EN_MAIN in by_address[en.email].subject and EN_MAIN in by_address[en.email].body
    assert JA_MAIN not in by_address[en.email].subject + by_address[en.email].body


def test_a_csv_may_name_the_auction_by_code_or_by_either_name():
    auction = AuctionFactory(delivery_fiscal_year=2030)
    lookup = auctions_by_code()
    assert lookup["main-2030"] == lookup[JA_MAIN.lower()] == lookup[EN_MAIN.lower()] == auction
