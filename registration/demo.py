"""Demo operators, their admin and users, resources of every category, and pending applications, all made through
the real services."""

from accounts import services as account_services
from accounts.models import TermsVersion, User
from capacity_market.management.commands.seed_demo import DEMO_PASSWORD

from . import services
from .models import ApplicationKind, Operator, OperatorApplication

OPERATORS = [
    {
        "key": "tohoku", "code": "D0002", "name": "東北デモ電力株式会社", "name_kana": "トウホクデモデンリョクカブシキガイシャ",
        "head_office_address": "宮城県仙台市青葉区本町1-1-1", "representative": "東北 一郎",
        "licence_types": ["generation", "retail"], "admin": ("東北 管理子", "トウホク カンリコ"),
        "users": [("東北 花子", "トウホク ハナコ"), ("東北 次郎", "トウホク ジロウ")],
    },
    {
        "key": "kyushu", "code": "D0009", "name": "九州デモ電力株式会社", "name_kana": "キュウシュウデモデンリョクカブシキガイシャ",
        "head_office_address": "福岡県福岡市中央区天神1-1-1", "representative": "九州 太郎",
        "licence_types": ["generation", "negawatt"], "admin": ("九州 管理男", "キュウシュウ カンリオ"),
        "users": [("九州 桜", "キュウシュウ サクラ"), ("九州 健", "キュウシュウ ケン")],
    },
]


def _values(spec: dict, *, login_id: str, admin: tuple[str, str]) -> dict:
    return {
        "code": spec["code"], "name": spec["name"], "name_kana": spec["name_kana"], "head_office_address": spec["head_office_address"],
        "representative": spec["representative"], "licence_types": spec["licence_types"],
        "is_electricity_supplier": True, "is_domestic_corporation": True,
        "contact_name": spec["representative"], "contact_email": f"contact@{spec['key']}.example",
        "contact_phone": "022-123-4567", "bank_name": "デモ銀行", "bank_branch": "本店", "account_type": "ordinary",
        "account_number": "1234567", "account_holder_kana": spec["name_kana"][:20],
        "applicant_email": f"{login_id}@{spec['key']}.example", "admin_login_id": login_id,
        "admin_full_name": admin[0], "admin_full_name_kana": admin[1],
    }


def _ensure_operator(spec: dict, reviewer: User) -> Operator:
    admin_login = f"{spec['key']}-admin"
    existing = User.objects.filter(login_id=admin_login).select_related("operator").first()
    if existing is not None:
        return existing.operator
    application = services.submit_use_application(
        values=_values(spec, login_id=admin_login, admin=spec["admin"]), language="ja",
        terms_version=TermsVersion.current(),
    )
    services.approve_operator_application(application=application, actor=reviewer,
                                          expected_version=application.version, comment="デモ: 承認")
    admin = User.objects.get(login_id=admin_login)
    account_services.set_password(user=admin, password=DEMO_PASSWORD, via="link")
    for number, (name, kana) in enumerate(spec["users"], start=1):
        user = account_services.issue_user_id(
            actor=admin, operator=admin.operator, login_id=f"{spec['key']}-user{number}", full_name=name,
            full_name_kana=kana, email=f"{spec['key']}-user{number}@{spec['key']}.example",
        )
        account_services.set_password(user=user, password=DEMO_PASSWORD, via="link")
    return admin.operator


def seed(*, stdout) -> list[tuple[str, str]]:
    reviewer = User.objects.get(login_id="occto-reviewer")
    logins = []
    operators = {}
    for spec in OPERATORS:
        operators[spec["key"]] = _ensure_operator(spec, reviewer)
        logins.append((f"{spec['key']}-admin", f"{spec['name']} 管理者 (operator admin)"))
        logins += [(f"{spec['key']}-user{n}", f"{spec['name']} 一般ユーザ (user)") for n in (1, 2)]

    # Pending work for the reviewer: a new use application, a change application and a returned one.
    if not OperatorApplication.objects.filter(admin_login_id="hokuriku-admin").exists():
        spec = {"key": "hokuriku", "code": "D0005", "name": "北陸デモエナジー合同会社", "name_kana": "ホクリクデモエナジーゴウドウガイシャ",
                "head_office_address": "富山県富山市新総曲輪1-1", "representative": "北陸 三郎",
                "licence_types": ["specified_wholesale"]}
        services.submit_use_application(
            values=_values(spec, login_id="hokuriku-admin", admin=("北陸 三郎", "ホクリク サブロウ")), language="ja",
            terms_version=TermsVersion.current(),
        )
    tohoku, kyushu = operators["tohoku"], operators["kyushu"]
    if not OperatorApplication.objects.filter(operator=tohoku, kind=ApplicationKind.CHANGE).exists():
        values = tohoku.info_values() | {"contact_phone": "022-987-6543", "bank_branch": "仙台支店"}
        services.submit_change_application(operator=tohoku, actor=User.objects.get(login_id="tohoku-user1"),
                                           values=values)
    if not OperatorApplication.objects.filter(operator=kyushu, kind=ApplicationKind.CHANGE).exists():
        values = kyushu.info_values() | {"head_office_address": "福岡県北九州市小倉北区1-1"}
        application = services.submit_change_application(
            operator=kyushu, actor=User.objects.get(login_id="kyushu-admin"), values=values
        )
        services.send_back_operator_application(
            application=application, actor=reviewer, expected_version=application.version,
            comment="登記簿上の本店所在地と一致しません。登記事項証明書の記載どおりに修正してください。",
        )
    for key, operator in operators.items():
        _ensure_resources(operator, key=key, reviewer=reviewer)
    return logins


# --- resources: one of every category per demo operator, approved by the demo reviewer --------------------------
DEMO_AREAS = {"tohoku": ("tohoku", 2, "東北"), "kyushu": ("kyushu", 9, "九州")}


def _code(area_no: int, n: int) -> str:
    return f"{area_no:02d}{n:020d}"


def _ensure_resources(operator: Operator, *, key: str, reviewer: User) -> None:
    import datetime

    if operator.resources.exists():
        return
    area, area_no, label = DEMO_AREAS[key]
    user = User.objects.get(login_id=f"{key}-user1")
    common = {"area": area, "owner_name": "", "fit_status": "none", "support_end_date": None,
              "continuous_output_hours": None, "can_adjust_output": True}
    # 15 rooftop units of 800 kW (each below 1,000 kW installed): 12,000 kW, whose expected capacity with the demo
    # solar factors (Tohoku 0.0921 → 1,105 kW, Kyushu 0.1610 → 1,932 kW) together reaches the 1,000 kW threshold.
    solar_units = [{"grid_code": _code(area_no, 101 + i), "area": area, "generation_type": "solar",
                    "installed_kw": 800} for i in range(15)]
    dr_units = [{"grid_code": _code(area_no, 201 + i), "area": area, "generation_type": "dr",
                 "installed_kw": kw} for i, kw in enumerate((800, 700))]
    resources = [
        ({"grid_code": _code(area_no, 1), "name": f"{label}デモLNG火力1号機", "category": "stable",
          "generation_type": "lng", "installed_kw": 500_000, "commissioning_date": datetime.date(1998, 7, 1)}, []),
        ({"grid_code": _code(area_no, 2), "name": f"{label}デモ蓄電所", "category": "stable",
          "generation_type": "battery", "installed_kw": 20_000, "continuous_output_hours": 4,
          "commissioning_date": datetime.date(2024, 4, 1)}, []),
        ({"grid_code": _code(area_no, 3), "name": f"{label}デモ風力発電所", "category": "variable",
          "generation_type": "wind", "installed_kw": 30_000, "can_adjust_output": False,
          "fit_status": "fit", "support_end_date": datetime.date(2027, 3, 31),
          "commissioning_date": datetime.date(2007, 4, 1)}, []),
        ({"grid_code": _code(area_no, 4), "name": f"{label}デモ太陽光アグリゲート", "category": "variable_aggregate",
          "generation_type": "solar", "installed_kw": 12_000, "can_adjust_output": False,
          "commissioning_date": datetime.date(2019, 10, 1)}, solar_units),
        ({"grid_code": _code(area_no, 5), "name": f"{label}デモDRアグリゲート", "category": "dispatch",
          "generation_type": "dr", "installed_kw": 1_500, "commissioning_date": datetime.date(2022, 4, 1)},
         dr_units),
    ]
    for values, units in resources:
        application = services.submit_new_resource_application(
            operator=operator, actor=user, values=common | values, units=units)
        services.approve_resource_application(application=application, actor=reviewer,
                                              expected_version=application.version, comment="デモ: 承認")
    # Pending work for the reviewer: a new resource application waiting for review.
    services.submit_new_resource_application(
        operator=operator, actor=user, values=common | {
            "grid_code": _code(area_no, 6), "name": f"{label}デモ揚水発電所", "category": "stable",
            "generation_type": "pumped_storage", "installed_kw": 300_000, "continuous_output_hours": 6,
            "commissioning_date": datetime.date(1985, 3, 1)})
