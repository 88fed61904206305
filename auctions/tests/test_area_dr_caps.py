"""DR caps by area (エリア別の発動指令電源の調達上限) of additional auctions inside the system: entered by OCCTO in the
auction admin (additional auctions only, Hokkaido excluded, areas north to south, audited), cleared by the in-system
clearing, exported in the clearing input and replayed by `clear_auction` to the same result."""

import json
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from auctions import clearing
from auctions.clearing import services as clearing_service
from auctions.models import AreaDrCap, ClearingRun, FixedSupplyItem
from capacity_market.models import AuditEntry
from conftest import JST
from tests.factories import AuctionFactory, BidFactory, ResourceFactory

from .clearing_support import reference_clear

pytestmark = pytest.mark.django_db


# --- the in-system clearing ------------------------------------------------------------------------------------------
@pytest.fixture
def additional(operator_a, user_a, occto_admin):
    """An additional auction whose bids are closed: the toy curve × 1,000 (15,000 yen up to 900,000 kW, 10,000 at
    1,000,000 kW, 0 at 1,100,000 kW), 200,000 kW of fixed supply, no national DR cap, caps in Tokyo and Tohoku."""
    auction = AuctionFactory(kind="additional", bids_closed=True, net_cone=Decimal("10000"), q_upper_kw=900_000,
                             target_kw=1_000_000, q_zero_kw=1_100_000, dr_cap_kw=None)
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=200_000)
    AreaDrCap.objects.create(auction=auction, area="tokyo", cap_kw=150_000)
    AreaDrCap.objects.create(auction=auction, area="tohoku", cap_kw=0)

    def bid(name, kw, price, area="tokyo", category="stable"):
        resource = ResourceFactory(operator=operator_a, submitted_by=user_a, name=name, area=area, category=category,
                                   installed_kw=kw,
                                   generation_type="dr" if category == "dispatch" else "lng")
        return BidFactory(auction=auction, resource=resource, quantity_kw=kw, price_yen=price, submitted_by=user_a)

    bids = {
        "base": bid("ベース", 500_000, 0),
        "tokyo-kept": bid("東京DR1", 100_000, 1_000, category="dispatch"),
        "tokyo-over": bid("東京DR2", 60_000, 2_000, category="dispatch"),  # 160,000 > 150,000
        "tokyo-later": bid("東京DR3", 10_000, 2_500, category="dispatch"),  # would fit, but comes after the cut
        "tohoku": bid("東北DR", 10_000, 0, area="tohoku", category="dispatch"),  # Tohoku's cap is 0
        "kansai": bid("関西DR", 50_000, 3_000, area="kansai", category="dispatch"),  # no cap in Kansai
        "dear": bid("高値電源", 100_000, 12_000),
    }
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    auction.refresh_from_db()
    return auction, bids


def test_the_in_system_clearing_applies_the_area_caps(additional, occto_admin, django_capture_on_commit_callbacks):
    auction, bids = additional
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin, seed="area-caps")
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    outcomes = {o.bid_id: o for o in run.outcomes.all()}
    excluded = {name for name, b in bids.items() if outcomes[b.pk].excluded_by_dr_cap}
    assert excluded == {"tokyo-over", "tokyo-later", "tohoku"}
    assert all(outcomes[bids[name].pk].awarded_kw == 0 for name in excluded)
    assert outcomes[bids["tokyo-kept"].pk].awarded_kw == 100_000 and outcomes[bids["kansai"].pk].awarded_kw == 50_000
    # The run keeps the caps with its input, in the order of the areas.
    assert run.input_summary["dr_caps_kw_by_area"] == {"tohoku": 0, "tokyo": 150_000}
    # The rule read literally from clearing-format.md gives the same prices and awards.
    document = json.loads(clearing_service.export_run_input(run=run))
    expected = reference_clear(document)
    assert run.national_price == expected["national_price"] and run.area_prices == expected["area_prices"]
    assert run.total_amount_yen == sum(award["amount_yen"] for award in expected["awards"])
    assert {o.bid.bid_code for o in outcomes.values() if o.excluded_by_dr_cap} == set(expected["excluded_by_dr_cap"])


def test_the_clearing_input_download_carries_the_area_caps_and_replays(additional, client_for, occto_admin,
                                                                       django_capture_on_commit_callbacks, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    auction, _bids = additional
    response = client_for(occto_admin).get(reverse("admin:auctions_auction_clearing_input", args=[auction.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert '  "dr_caps_kw_by_area": {"tohoku": 0, "tokyo": 150000},\n' in text
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin,
                                              seed=json.loads(text)["tie_break_seed"])
    run.refresh_from_db()
    # The downloaded input, cleared by clear_auction, gives the run's result byte for byte.
    source = tmp_path / "input.json"
    source.write_text(text, encoding="utf-8")
    stdout = StringIO()
    call_command("clear_auction", "--input", str(source), stdout=stdout)
    direct = clearing.serialise_result(clearing.clear(clearing_service.engine_input(auction=auction,
                                                                                    seed=run.tie_break_seed)))
    assert stdout.getvalue() == direct
    out = json.loads(stdout.getvalue())
    assert out["national_price"] == run.national_price
    assert len(out["excluded_by_dr_cap"]) == 3
    # The run's own input (after the caps change) still replays what the run cleared.
    AreaDrCap.objects.filter(auction=auction).delete()
    replay = clearing.clear(clearing.parse_input(clearing_service.export_run_input(run=run)))
    assert clearing.serialise_result(replay) == direct


def test_an_auction_without_area_caps_clears_as_before(additional, occto_admin):
    auction, _bids = additional
    AreaDrCap.objects.filter(auction=auction).delete()
    engine_input = clearing_service.engine_input(auction=auction, seed="none")
    assert engine_input.dr_caps_kw_by_area is None
    assert clearing.clear(engine_input).excluded_by_dr_cap == []


# --- the auction admin ---------------------------------------------------------------------------------------------
def change_url(auction) -> str:
    return reverse("admin:auctions_auction_change", args=[auction.pk])


def change_data(client, auction) -> dict:
    """The change form's POST as the page renders it (every inline with its management form)."""
    response = client.get(change_url(auction))
    data = {}
    form = response.context["adminform"].form
    for name, value in model_to_dict(auction).items():
        if name in form.fields and value is not None:
            data[name] = value
    for name in ("registration_opens_at", "expected_capacity_deadline", "registration_closes_at", "bid_opens_at",
                 "bid_closes_at", "clearing_at", "publication_at", "contract_conclusion_at"):
        local = getattr(auction, name).astimezone(JST)
        data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        data.pop(name, None)
    for formset in response.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(formset.formset.total_form_count())
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.formset.initial_form_count())
        for i, inline_form in enumerate(formset.formset.forms):
            for field_name in inline_form.fields:
                value = inline_form[field_name].value()
                if value is not None:
                    data[f"{prefix}-{i}-{field_name}"] = value
    return data


def with_caps(data, rows, start=0) -> dict:
    data = dict(data)
    data["area_dr_caps-TOTAL_FORMS"] = str(start + len(rows))
    for i, (area, kw) in enumerate(rows, start=start):
        data[f"area_dr_caps-{i}-area"], data[f"area_dr_caps-{i}-cap_kw"] = area, str(kw)
    return data


def errors_of(response) -> list[str]:
    return [str(e) for f in response.context["inline_admin_formsets"] for e in f.formset.non_form_errors()] + [
        str(e) for f in response.context["inline_admin_formsets"] for errors in f.formset.errors
        for field in errors.values() for e in field]


@pytest.fixture
def admin_client(client_for, occto_admin):
    return client_for(occto_admin)


def test_occto_enters_area_caps_on_an_additional_auction_and_it_is_audited(admin_client):
    auction = AuctionFactory(kind="additional")
    page = admin_client.get(change_url(auction)).content.decode()
    assert "area_dr_caps-TOTAL_FORMS" in page
    assert "エリア別の発動指令電源の調達上限（追加オークションのみ・北海道は対象外）" in page
    # The area choices: north to south, without Hokkaido.
    template = page.split('id="area_dr_caps-empty"')[1].split("</tr>")[0]
    options = template.split('<option value="')[1:]
    assert [option.split('"')[0] for option in options] == [
        "", "tohoku", "tokyo", "chubu", "hokuriku", "kansai", "chugoku", "shikoku", "kyushu"]
    response = admin_client.post(change_url(auction), with_caps(change_data(admin_client, auction),
                                                                [("kyushu", 120_000), ("tohoku", 145_000)]))
    assert response.status_code == 302, errors_of(response)
    assert dict(auction.area_dr_caps.values_list("area", "cap_kw")) == {"kyushu": 120_000, "tohoku": 145_000}
    entry = AuditEntry.objects.filter(action="admin.change.auctions.auction_parameters").latest("pk")
    assert entry.before["area_dr_caps"] == []
    assert {(row["area"], row["cap_kw"]) for row in entry.after["area_dr_caps"]} == {("kyushu", 120_000),
                                                                                     ("tohoku", 145_000)}
    # Shown in area order, whatever the order they were entered in.
    page = admin_client.get(change_url(auction)).content.decode()
    assert page.index('name="area_dr_caps-0-area"') < page.index('name="area_dr_caps-1-area"')
    first = page.split('name="area_dr_caps-0-area"')[1].split("</select>")[0]
    assert 'value="tohoku" selected' in first


def test_area_caps_on_a_main_auction_are_refused_with_a_clear_message(admin_client):
    auction = AuctionFactory(kind="main", delivery_fiscal_year=2040)
    response = admin_client.post(change_url(auction), with_caps(change_data(admin_client, auction),
                                                                [("tokyo", 540_000)]))
    assert response.status_code == 200
    assert ("エリア別の発動指令電源の調達上限は追加オークションだけのパラメータです。削除するか、このオークションの種別を"
            "追加オークションにしてください。") in errors_of(response)
    assert not AreaDrCap.objects.exists()
    # Turning an additional auction with caps into a main one is refused the same way.
    additional = AuctionFactory(kind="additional", delivery_fiscal_year=2041)
    AreaDrCap.objects.create(auction=additional, area="tokyo", cap_kw=1)
    data = change_data(admin_client, additional)
    data["kind"] = "main"
    response = admin_client.post(change_url(additional), data)
    assert response.status_code == 200 and any("追加オークションだけ" in e for e in errors_of(response))
    additional.refresh_from_db()
    assert additional.kind == "additional"
    # Deleting the caps with the change lets it through.
    data["area_dr_caps-0-DELETE"] = "on"
    assert admin_client.post(change_url(additional), data).status_code == 302
    assert not AreaDrCap.objects.exists()


def test_hokkaido_a_duplicate_area_or_a_negative_cap_is_refused(admin_client):
    auction = AuctionFactory(kind="additional")
    data = change_data(admin_client, auction)
    for rows in ([("hokkaido", 100)], [("tokyo", 100), ("tokyo", 200)], [("tokyo", -1)]):
        response = admin_client.post(change_url(auction), with_caps(data, rows))
        assert response.status_code == 200 and errors_of(response), rows
    assert not AreaDrCap.objects.exists()


def test_area_caps_freeze_once_a_run_is_published(admin_client, additional, occto_admin,
                                                  django_capture_on_commit_callbacks):
    auction, _bids = additional
    assert 'name="area_dr_caps-0-cap_kw"' in admin_client.get(change_url(auction)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    clearing_service.publish_run(run=ClearingRun.objects.get(pk=run.pk), actor=occto_admin)
    page = admin_client.get(change_url(auction)).content.decode()
    assert 'name="area_dr_caps-0-cap_kw"' not in page and ("150,000" in page or "150000" in page)


def test_the_auction_page_lists_the_area_caps_north_to_south(client_for, user_a):
    auction = AuctionFactory(kind="additional")
    AreaDrCap.objects.create(auction=auction, area="kyushu", cap_kw=120_000)
    AreaDrCap.objects.create(auction=auction, area="tohoku", cap_kw=145_000)
    page = client_for(user_a).get(reverse("auctions:detail", kwargs={"pk": auction.pk})).content.decode()
    rows = [row.split("</tr>")[0] for row in page.split('<tr class="area-dr-cap">')[1:]]
    assert len(rows) == 2
    assert "東北" in rows[0] and "145,000" in rows[0] and "九州" in rows[1] and "120,000" in rows[1]
