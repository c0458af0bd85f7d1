"""The demo city's reference data: handling units (承办单位), categories, SLA policies, areas,
the dispatch catalogue (派单目录), the knowledge base (知识库) and a user for every role."""

from __future__ import annotations

import functools

from django.contrib.auth.hashers import make_password

from hotline.accounts.access import center_unit
from hotline.accounts.models import LiaisonScope, Unit, User
from hotline.demo.city import AGENTS, AREAS, CATEGORIES, unit_rows
from hotline.domain.lifecycle import Role
from hotline.reference.models import Area, Category, SlaPolicy
from hotline.reference.services import catalogue_entry_save, knowledge_article_save

DEMO_PASSWORD = "hotline-demo"
DISCIPLINE_UNIT = "jiwei"
LIAISON_AREA = "dongcheng-qu"

ARTICLES = [  # 知识库: what agents read out to answer on the spot
    (
        "居住证办理流程",
        "办理居住证需携带身份证、租房合同或房产证明，到居住地派出所或政务服务中心申请。",
        "",
    ),
    (
        "夜间施工噪音投诉",
        "夜间22时至次日6时禁止产生环境噪声污染的建筑施工作业，抢修抢险除外。",
        "noise",
    ),
    ("拖欠工资如何维权", "可向用人单位所在地劳动保障监察机构投诉，或申请劳动争议仲裁。", "wages"),
    (
        "义务教育入学报名",
        "入学报名材料为户口簿、房产证明及儿童预防接种证，具体以区教育局公告为准。",
        "school",
    ),
    (
        "物业服务投诉渠道",
        "物业服务不到位可先向业主委员会反映，再向街道办事处或区住建部门投诉。",
        "property",
    ),
]


def reference_seed() -> dict[str, User]:
    """Seed every reference table; returns the demo users by username."""
    units = _units()
    for code, name, _, _ in CATEGORIES:
        Category.objects.create(code=code, name=name)
    _dispatch_seed()
    SlaPolicy.objects.create(urgency="normal", accept_hours=2, handle_days=5)
    SlaPolicy.objects.create(urgency="urgent", accept_hours=0.5, handle_days=1)
    return _users(units)


def _units() -> dict[str, Unit]:
    """The handling units (parents first: ``unit_rows`` lists them in that order), then the
    discipline commission (纪委监委) that the supervisor belongs to; returns the handling ones."""
    units: dict[str, Unit] = {}
    for code, name, parent in unit_rows():
        units[code] = Unit.objects.create(code=code, name=name, parent=units.get(parent))
    Unit.objects.create(code=DISCIPLINE_UNIT, name="市纪委监委")
    return units


def _dispatch_seed() -> None:
    """Areas, the dispatch catalogue (派单目录) and a few knowledge-base articles."""
    for code, name, parent in AREAS:
        Area.objects.create(code=code, name=name, parent=Area.objects.filter(code=parent).first())
    for code, _name, home, _text in CATEGORIES:
        catalogue_entry_save(actor="demo", category=code, lead_unit=home)
    # On 东华门街道, noise and greening go to the street office first, the bureau assisting.
    for code, bureau in (("noise", "shengtai"), ("greening", "lvhua")):
        catalogue_entry_save(
            actor="demo",
            category=code,
            area="donghuamen",
            lead_unit="dongcheng-jd1",
            assist_units=[bureau],
        )
    for title, body, category in ARTICLES:
        knowledge_article_save(title=title, body=body, category=category)


def _users(units: dict[str, Unit]) -> dict[str, User]:
    # The center's unit comes with the migrations; a database emptied since (a flush) lacks it.
    center, _ = Unit.objects.get_or_create(code=center_unit(), defaults={"name": "12345热线中心"})
    discipline = Unit.objects.get(code=DISCIPLINE_UNIT)
    users = {
        "agent": _user(username="agent", role=Role.AGENT, unit=center, name="话务员小王"),
        **{
            f"agent{n:02d}": _user(
                username=f"agent{n:02d}", role=Role.AGENT, unit=center, name=f"话务员{n:02d}"
            )
            for n in range(1, AGENTS + 1)
        },
        "dispatcher": _user(
            username="dispatcher", role=Role.DISPATCHER, unit=center, name="派单员小李"
        ),
        "supervisor": _user(
            username="supervisor", role=Role.SUPERVISOR, unit=discipline, name="纪检监察员老赵"
        ),
        "citizen": _user(username="citizen", role=Role.CITIZEN, unit=None, name="市民张先生"),
        "admin": _user(username="admin", role=Role.ADMIN, unit=center, name="系统管理员"),
        "director": _user(username="director", role=Role.DIRECTOR, unit=center, name="值班长老陈"),
        "liaison": _user(username="liaison", role=Role.LIAISON, unit=discipline, name="联络员小周"),
    }
    # The liaison officer (联络员) the inspectors station with the center covers 东城区 (and so
    # its streets 东华门街道 and 景山街道).
    LiaisonScope.objects.create(user=users["liaison"], area=LIAISON_AREA)
    staff = (("handler", Role.HANDLER, "承办人"), ("lead", Role.UNIT_LEAD, "负责人"))
    for code, unit in units.items():
        for prefix, role, name in staff:
            username = f"{prefix}-{code}"
            users[username] = _user(username=username, role=role, unit=unit, name=name)
    return users


def _user(*, username: str, role: Role, unit: Unit | None, name: str) -> User:
    # One hash for every demo user: hashing is deliberately slow and the demo must start fast.
    user = User(username=username, first_name=name, role=role, unit=unit)
    user.password = _password_hash()
    if role is Role.ADMIN:
        user.is_staff = user.is_superuser = True
    user.save()
    return user


@functools.cache
def _password_hash() -> str:
    return make_password(DEMO_PASSWORD)
