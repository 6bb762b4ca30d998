"""Foundation demo data: places, Party organizations, the alliance, enterprises, the incubator, members.

Facts come from the source article (../shared/seed/); people with demo accounts have invented names.
Everything is looked up by its natural key first, so running it again creates nothing.
"""

from __future__ import annotations

from datetime import date

from hub.demo import DemoContext
from hub.services import user_phone_set
from partyorgs.models import Role

from .models import (
    Alliance,
    AllianceMembership,
    Building,
    Enterprise,
    Expert,
    Incubator,
    IncubatorTenant,
    Industry,
    PartnerInstitution,
    PartyMember,
    PartyOrganization,
    Region,
    Venue,
)
from .validators import make_credit_code

K = PartyOrganization.Kind


def _region(ctx, name, kind, parent=None, province="", city=""):
    obj, created = Region.objects.get_or_create(
        name=name, parent=parent, defaults={"kind": kind, "province": province, "city": city}
    )
    ctx.count("regions", created)
    return obj


def _org(ctx, name, kind, region, parent=None, secretary=""):
    """Find an organization by name under its parent, or add it to the tree."""
    tree = PartyOrganization.objects
    qs = tree.get_children(parent) if parent else tree.get_root_nodes()
    found = qs.filter(name=name).first()
    if found:
        return found
    fields = {"name": name, "kind": kind, "region": region, "secretary_name": secretary}
    org = tree.add_child(parent, create_kwargs=fields) if parent else tree.add_root(create_kwargs=fields)
    ctx.count("Party organizations", True)
    return org


def _enterprise(ctx, name, division, serial, industry, region, building=None, **extra):
    code = make_credit_code("91", division, f"MA{serial:06d}")
    obj, created = Enterprise.objects.get_or_create(
        credit_code=code,
        defaults={"name": name, "industry": industry, "region": region, "building": building, **extra},
    )
    ctx.count("enterprises", created)
    return obj


def _member(ctx, email, name, branch, joined, status=PartyMember.Status.FULL, position=""):
    user = ctx.user(email, name)
    member, created = PartyMember.objects.get_or_create(
        user=user, defaults={"branch": branch, "joined_on": joined, "status": status, "position": position}
    )
    ctx.count("Party members", created)
    return member


def _role(ctx, user, kind, **scope):
    _, created = Role.objects.get_or_create(user=user, kind=kind, **scope)
    ctx.count("roles", created)


# Invented member names for the branches (demo accounts memberNN@example.com).
MEMBER_NAMES = [
    "刘思远",
    "张雨桐",
    "王浩然",
    "李佳怡",
    "赵子涵",
    "孙志强",
    "周若曦",
    "吴俊杰",
    "郑雅婷",
    "冯博文",
    "陈欣悦",
    "褚明辉",
    "卫嘉琪",
    "蒋天宇",
    "沈梦洁",
    "韩立诚",
    "杨晨曦",
    "朱海峰",
    "秦文静",
    "许立新",
    "何晓光",
    "吕佩琳",
    "施建平",
    "张秀英",
    "孔德明",
    "曹丽娟",
    "严志远",
    "华彦博",
    "金雪梅",
    "魏书豪",
    "陶思琪",
    "姜宏伟",
    "戚晓燕",
    "谢文涛",
    "邹美玲",
    "喻振华",
]

HUAIHE_ENTERPRISES = [
    # name, industry, own branch?
    ("郑州丝路优选电子商务有限公司", Industry.LIVESTREAM, True),
    ("河南网红星选文化传媒有限公司", Industry.LIVESTREAM, True),
    ("郑州跨境通达供应链管理有限公司", Industry.CROSS_BORDER, True),
    ("二七区云端智联信息技术有限公司", Industry.ELECTRONIC_INFO, False),
    ("郑州豫味鲜直播电商有限公司", Industry.FOOD, False),
    ("河南数智新媒体科技有限公司", Industry.TECH, False),
    ("郑州红播文化创意有限公司", Industry.CULTURE, False),
    ("郑州丝路跨境电子商务产业园管理有限公司", Industry.SERVICES, True),
]

INCUBATOR_TENANTS = [
    # name, kind, industry
    ("鲸选直播创客团队", IncubatorTenant.Kind.MAKER_TEAM, Industry.LIVESTREAM),
    ("郑州小鲸鱼网络科技有限公司", IncubatorTenant.Kind.STARTUP, Industry.TECH),
    ("豫见好物直播工作室", IncubatorTenant.Kind.MAKER_TEAM, Industry.LIVESTREAM),
    ("二七老字号数字化团队", IncubatorTenant.Kind.MAKER_TEAM, Industry.FOOD),
    ("郑州云享跨境电商有限公司", IncubatorTenant.Kind.STARTUP, Industry.CROSS_BORDER),
    ("嵩岳短视频创作团队", IncubatorTenant.Kind.MAKER_TEAM, Industry.CULTURE),
    ("郑州芯动电子信息有限公司", IncubatorTenant.Kind.STARTUP, Industry.ELECTRONIC_INFO),
    ("河南青创直播人才服务有限公司", IncubatorTenant.Kind.STARTUP, Industry.SERVICES),
    ("绿城农品直播创客团队", IncubatorTenant.Kind.MAKER_TEAM, Industry.FOOD),
    ("郑州元宇视觉科技有限公司", IncubatorTenant.Kind.STARTUP, Industry.TECH),
    ("丝路国潮服饰创客团队", IncubatorTenant.Kind.MAKER_TEAM, Industry.FOOTWEAR),
    ("郑州智播数据服务有限公司", IncubatorTenant.Kind.STARTUP, Industry.ELECTRONIC_INFO),
    ("二七文旅直播创客团队", IncubatorTenant.Kind.MAKER_TEAM, Industry.CULTURE),
    ("郑州拾光跨境电子商务有限公司", IncubatorTenant.Kind.STARTUP, Industry.CROSS_BORDER),
    ("河南众播新零售有限公司", IncubatorTenant.Kind.STARTUP, Industry.LIVESTREAM),
]

SHOE_PARK_SHOPS = [
    "佳润天成",
    "陈埭鞋业优品",
    "鞋都星播",
    "晋江动感运动",
    "闽南潮鞋馆",
    "步步高升鞋业直播",
    "鞋都云仓",
    "晋鞋汇",
    "海丝鞋履",
    "陈埭童鞋坊",
    "跑酷运动旗舰",
    "鞋都好物",
]


def _seed_venues(
    ctx: DemoContext, *, huaihe: Region, dali: Region, tower: Building, guangfo: Building
) -> None:
    for name, kind, region, building, extra in [
        (
            "广佛智城党群服务中心",
            Venue.Kind.SERVICE_CENTER,
            dali,
            guangfo,
            {"area_m2": 800, "capacity": 120, "facilities": "图书阅览区、党建互动长廊、阶梯会议室"},
        ),
        (
            "二七丝路网红大厦楼宇党建阵地",
            Venue.Kind.POSITION,
            huaihe,
            tower,
            {"capacity": 60, "facilities": "党员活动室、直播党课教室"},
        ),
        (
            "淮河路街道党群服务中心",
            Venue.Kind.SERVICE_CENTER,
            huaihe,
            None,
            {"capacity": 80, "facilities": "多功能会议室"},
        ),
    ]:
        _, c = Venue.objects.get_or_create(
            name=name, defaults={"kind": kind, "region": region, "building": building, **extra}
        )
        ctx.count("venues", c)


def _seed_partners(ctx: DemoContext, alliance: Alliance) -> None:
    """The alliance's partner institutions and their experts."""
    experts = {
        ("二七区发展和改革委员会", PartnerInstitution.Kind.GOVERNMENT): [("孙立平", "副主任", "产业规划")],
        ("二七区商务局", PartnerInstitution.Kind.GOVERNMENT): [("周慧敏", "科长", "电子商务政策")],
        ("河南省社会科学院", PartnerInstitution.Kind.ACADEMY): [("郭振宇", "研究员", "新经济与区域发展")],
        ("郑州大学", PartnerInstitution.Kind.UNIVERSITY): [
            ("韩静怡", "教授", "党的建设"),
            ("彭海涛", "副教授", "数字经济"),
        ],
        ("黄河科技学院", PartnerInstitution.Kind.UNIVERSITY): [("任晓峰", "副教授", "电子商务")],
    }
    for (inst_name, kind), people in experts.items():
        inst, c = PartnerInstitution.objects.get_or_create(
            alliance=alliance, name=inst_name, defaults={"kind": kind}
        )
        ctx.count("partner institutions", c)
        for name, title, field in people:
            _, c = Expert.objects.get_or_create(
                institution=inst, name=name, defaults={"title": title, "field": field}
            )
            ctx.count("experts", c)


def _seed_incubator(
    ctx: DemoContext, *, tower: Building, huaihe: Region, incubator_branch: PartyOrganization
) -> None:
    """白鲸·孵化器 in the tower, its tenants (the start-ups are enterprises too) and two that moved on."""
    baijing, c = Incubator.objects.get_or_create(
        name="白鲸·孵化器",
        building=tower,
        defaults={
            "motto": "跟党一起创业",
            "workstations": 60,
            "opened_on": date(2019, 5, 1),
            "description": "东方大厦写字楼内的创新、创业、创客聚集地，党建阵地建设与企业孵化同步。",
        },
    )
    ctx.count("incubators", c)
    for i, (name, kind, industry) in enumerate(INCUBATOR_TENANTS, start=1):
        enterprise = None
        if kind == IncubatorTenant.Kind.STARTUP:
            enterprise = _enterprise(
                ctx,
                name,
                "410103",
                50 + i,
                industry,
                huaihe,
                tower,
                branch_mode=Enterprise.BranchMode.JOINT,
                party_organization=incubator_branch,
            )
        _, c = IncubatorTenant.objects.get_or_create(
            incubator=baijing,
            name=name,
            defaults={
                "kind": kind,
                "industry": industry,
                "moved_in_on": date(2019 + i % 3, 1 + i % 12, 1 + i),
                "workstations": 2 + i % 4,
                "enterprise": enterprise,
            },
        )
        ctx.count("incubator tenants", c)
    for name, status, industry in [
        ("郑州启明星电商有限公司", IncubatorTenant.Status.GRADUATED, Industry.LIVESTREAM),
        ("极客工坊创客团队", IncubatorTenant.Status.LEFT, Industry.TECH),
    ]:
        _, c = IncubatorTenant.objects.get_or_create(
            incubator=baijing,
            name=name,
            defaults={
                "kind": IncubatorTenant.Kind.STARTUP,
                "industry": industry,
                "status": status,
                "moved_in_on": date(2019, 6, 1),
                "left_on": date(2021, 6, 30),
                "workstations": 0,
            },
        )
        ctx.count("incubator tenants", c)


def seed(ctx: DemoContext) -> None:
    # --- Places -------------------------------------------------------------------------
    erqi = _region(ctx, "二七区", Region.Kind.DISTRICT, province="河南省", city="郑州市")
    huaihe = _region(ctx, "淮河路街道", Region.Kind.SUBDISTRICT, erqi, "河南省", "郑州市")
    jinjiang = _region(ctx, "晋江市", Region.Kind.DISTRICT, province="福建省", city="泉州市")
    chendai = _region(ctx, "陈埭镇", Region.Kind.SUBDISTRICT, jinjiang, "福建省", "泉州市")
    nanhai = _region(ctx, "南海区", Region.Kind.DISTRICT, province="广东省", city="佛山市")
    dali = _region(ctx, "大沥镇", Region.Kind.SUBDISTRICT, nanhai, "广东省", "佛山市")

    # --- Party organizations ---------------------------------------------------------------
    gwc = _org(ctx, "中共淮河路街道工作委员会", K.WORKING_COMMITTEE, huaihe, secretary="秦召玉")
    tower_committee = _org(ctx, "二七丝路网红大厦党委", K.COMMITTEE, huaihe, gwc, secretary="高志刚")
    incubator_branch = _org(
        ctx, "白鲸·孵化器联合党支部", K.BRANCH, huaihe, tower_committee, secretary="马晓丽"
    )
    tower_joint_branch = _org(
        ctx, "网红大厦非公企业联合党支部", K.BRANCH, huaihe, tower_committee, secretary="罗建新"
    )
    office_branch = _org(ctx, "淮河路街道机关党支部", K.BRANCH, huaihe, gwc, secretary="林国栋")
    community = _org(ctx, "淮河路社区党委", K.COMMITTEE, huaihe, gwc, secretary="田秀兰")
    community_branch = _org(ctx, "淮河路社区第一党支部", K.BRANCH, huaihe, community, secretary="范丽萍")
    _org(ctx, "第一党小组", K.GROUP, huaihe, community_branch)
    _org(ctx, "第二党小组", K.GROUP, huaihe, community_branch)
    chendai_committee = _org(ctx, "中共陈埭镇委员会", K.COMMITTEE, chendai, secretary="黄国平")
    park_branch = _org(
        ctx, "中国鞋都电商创业园党支部", K.BRANCH, chendai, chendai_committee, secretary="张文辉"
    )
    dali_committee = _org(ctx, "中共大沥镇委员会", K.COMMITTEE, dali, secretary="梁伟明")
    guangfo_branch = _org(
        ctx, "广佛电商直播产业基地党支部", K.BRANCH, dali, dali_committee, secretary="陈嘉欣"
    )

    # --- Buildings, parks, venues -----------------------------------------------------------
    tower, c = Building.objects.get_or_create(
        name="二七丝路网红大厦",
        region=huaihe,
        defaults={
            "kind": Building.Kind.BUILDING,
            "located_in": "东方大厦",
            "address": "河南省郑州市二七区淮河路东方大厦",
            "party_organization": tower_committee,
            "description": "以东方大厦为平台打造，带动区域直播电商产业链上下游；楼宇党建阵地。",
        },
    )
    ctx.count("buildings", c)
    shoe_park, c = Building.objects.get_or_create(
        name="中国鞋都电商创业园",
        region=chendai,
        defaults={
            "kind": Building.Kind.PARK,
            "address": "福建省晋江市陈埭镇",
            "party_organization": park_branch,
            "description": "十几家直播企业入驻，党支部为园区商铺引入直播团队、对接直播资源。",
        },
    )
    ctx.count("buildings", c)
    guangfo, c = Building.objects.get_or_create(
        name="广佛电商直播产业基地",
        region=dali,
        defaults={
            "kind": Building.Kind.PARK,
            "address": "广东省佛山市南海区大沥镇广佛智城",
            "party_organization": guangfo_branch,
        },
    )
    ctx.count("buildings", c)
    _seed_venues(ctx, huaihe=huaihe, dali=dali, tower=tower, guangfo=guangfo)

    # --- The alliance and its partners --------------------------------------------------------
    alliance, c = Alliance.objects.get_or_create(
        name="淮河路街道党建联盟",
        region=huaihe,
        defaults={
            "lead_organization": gwc,
            "founded_on": date(2019, 7, 1),
            "description": "依托非公有制企业党组织成立，围绕现代商业发展、产业转型、新经济开展交流。",
        },
    )
    ctx.count("alliances", c)
    _seed_partners(ctx, alliance)

    # --- Enterprises -----------------------------------------------------------------------
    merchant_ent = None
    for i, (name, industry, own) in enumerate(HUAIHE_ENTERPRISES, start=1):
        if own:
            branch = _org(ctx, f"{name}党支部", K.BRANCH, huaihe, tower_committee)
            mode = Enterprise.BranchMode.OWN
        else:
            branch, mode = tower_joint_branch, Enterprise.BranchMode.JOINT
        ent = _enterprise(
            ctx,
            name,
            "410103",
            i,
            industry,
            huaihe,
            tower,
            alliance=alliance,
            branch_mode=mode,
            party_organization=branch,
            employees=20 + 7 * i,
        )
        _, c = AllianceMembership.objects.get_or_create(alliance=alliance, organization=branch)
        ctx.count("alliance memberships", c)
        if i == 1:
            merchant_ent = ent
    for i, shop in enumerate(SHOE_PARK_SHOPS, start=1):
        ent = _enterprise(
            ctx,
            shop if shop.endswith("公司") else f"晋江市{shop}电子商务有限公司",
            "350582",
            100 + i,
            Industry.FOOTWEAR if i % 3 else Industry.LIVESTREAM,
            chendai,
            shoe_park,
            branch_mode=Enterprise.BranchMode.JOINT,
            party_organization=park_branch,
            employees=8 + 3 * i,
            contact_name="谢兴宗" if shop == "佳润天成" else "",
        )
        if shop == "佳润天成":
            jiarun = ent
    for i, name in enumerate(["佛山广佛直播科技有限公司", "南海大沥电商直播服务有限公司"], start=1):
        _enterprise(
            ctx,
            name,
            "440605",
            200 + i,
            Industry.LIVESTREAM,
            dali,
            guangfo,
            branch_mode=Enterprise.BranchMode.JOINT,
            party_organization=guangfo_branch,
        )

    # --- The incubator -----------------------------------------------------------------------
    _seed_incubator(ctx, tower=tower, huaihe=huaihe, incubator_branch=incubator_branch)

    # --- People ------------------------------------------------------------------------------
    organizer = ctx.user("organizer@example.com", "王红梅")
    _role(ctx, organizer, Role.Kind.ORGANIZER, organization=gwc)
    merchant = ctx.user("merchant@example.com", "李明轩")
    _role(ctx, merchant, Role.Kind.MERCHANT, enterprise=merchant_ent)
    official = ctx.user("official@example.com", "赵建国")
    _role(ctx, official, Role.Kind.OFFICIAL, region=erqi)
    demo_member = _member(ctx, "member@example.com", "陈晓东", incubator_branch, date(2016, 7, 1))
    # --- phone sign-in --- the demo member also signs in with an SMS code (make run: the code is in the log).
    if not demo_member.user.phone:
        user_phone_set(user=demo_member.user, phone="13800000001", verified=True)
    park_organizer = ctx.user("park.organizer@example.com", "蔡丽华")
    _role(ctx, park_organizer, Role.Kind.ORGANIZER, organization=park_branch)
    jiarun_user = ctx.user("jiarun@example.com", "谢晓宁")
    _role(ctx, jiarun_user, Role.Kind.MERCHANT, enterprise=jiarun)
    ctx.user("admin@example.com", "平台管理员", staff=True)

    branches = [
        incubator_branch,
        tower_joint_branch,
        office_branch,
        community_branch,
        park_branch,
        guangfo_branch,
    ]
    for i, name in enumerate(MEMBER_NAMES, start=1):
        branch = branches[i % len(branches)]
        status = PartyMember.Status.PROBATIONARY if i % 9 == 0 else PartyMember.Status.FULL
        _member(ctx, f"member{i:02d}@example.com", name, branch, date(1995 + i % 28, 1 + i % 12, 1), status)
