"""The demo city's names: its handling units (三个区政府, five 街道办事处, eighteen bureaus and
utilities), its areas (行政区划), its 22 categories with what citizens say about each, and the
number of agents at the hotline center. Data only; the modules beside this one seed it."""

from __future__ import annotations

AGENTS = 40  # 话务员 at the center: demo users agent01… and the simulated queue_log's agents

DISTRICTS = [
    ("dongcheng", "东城区人民政府"),
    ("xicheng", "西城区人民政府"),
    ("nanhu", "南湖区人民政府"),
]
STREETS = [  # (unit code, name, district unit, area code)
    ("dongcheng-jd1", "东城区东华门街道办事处", "dongcheng", "donghuamen"),
    ("dongcheng-jd2", "东城区景山街道办事处", "dongcheng", "jingshan"),
    ("xicheng-jd1", "西城区西长安街街道办事处", "xicheng", "xichangan"),
    ("xicheng-jd2", "西城区金融街街道办事处", "xicheng", "jinrongjie"),
    ("nanhu-jd1", "南湖区南湖街道办事处", "nanhu", "nanhujie"),
]
BUREAUS = [
    ("zhujian", "市住房和城乡建设局"),
    ("chengguan", "市城市管理综合行政执法局"),
    ("lvhua", "市绿化市容局"),
    ("shengtai", "市生态环境局"),
    ("jiaotong", "市交通运输局"),
    ("renshe", "市人力资源和社会保障局"),
    ("weijian", "市卫生健康委员会"),
    ("jiaoyu", "市教育局"),
    ("shichang", "市市场监督管理局"),
    ("gongan", "市公安局"),
    ("shuiwu", "市水务局"),
    ("minzheng", "市民政局"),
    ("yibao", "市医疗保障局"),
    ("wenlv", "市文化和旅游局"),
    ("yingji", "市应急管理局"),
    ("fangguan", "市房屋管理局"),
    ("gongdian", "国网市供电公司"),
    ("ranqi", "市燃气集团"),
]
# 单位审核: these units' leads review their handlers' return and closure requests before the
# center sees them (switched on when the demo's history begins).
REVIEW_UNITS = ("zhujian", "fangguan")
AREAS = [  # 行政区划 for the dispatch catalogue and the hotspot table
    ("dongcheng-qu", "东城区", ""),
    ("xicheng-qu", "西城区", ""),
    ("nanhu-qu", "南湖区", ""),
    ("donghuamen", "东华门街道", "dongcheng-qu"),
    ("jingshan", "景山街道", "dongcheng-qu"),
    ("xichangan", "西长安街街道", "xicheng-qu"),
    ("jinrongjie", "金融街街道", "xicheng-qu"),
    ("nanhujie", "南湖街道", "nanhu-qu"),
]
# code, name, lead unit, what citizens say about it
CATEGORIES: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "property",
        "物业管理",
        "fangguan",
        (
            "小区物业不作为，电梯经常停运",
            "物业擅自提高物业费",
            "楼道堆放杂物物业不清理",
            "小区门禁坏了物业一直不修",
        ),
    ),
    (
        "noise",
        "噪音扰民",
        "shengtai",
        (
            "楼下餐馆排风机夜间噪音很大",
            "附近工地夜间施工打桩",
            "广场舞音响声音太大",
            "酒吧深夜音乐扰民",
        ),
    ),
    (
        "illegal-building",
        "违法建设",
        "chengguan",
        ("一楼住户私自扩建院落占用绿地", "楼顶违章搭建阳光房", "沿街商铺违规加建雨棚"),
    ),
    (
        "greening",
        "绿化养护",
        "lvhua",
        ("行道树枯死多日无人清理", "小区绿地被改成停车位", "大树树枝遮挡路灯和窗户"),
    ),
    (
        "traffic",
        "公共交通",
        "jiaotong",
        ("公交车经常不按站点停靠", "公交线路调整后出行不便", "出租车拒载绕路"),
    ),
    (
        "wages",
        "拖欠工资",
        "renshe",
        ("公司已拖欠三个月工资", "工地老板拖欠农民工工资", "离职后单位不结清工资"),
    ),
    (
        "medical",
        "医疗服务",
        "weijian",
        ("社区卫生服务中心取号难", "医院检查排队时间太长", "医生态度差不耐心解释"),
    ),
    (
        "school",
        "教育入学",
        "jiaoyu",
        ("孩子入学报名材料要求不清楚", "学校违规收取补课费", "校门口上下学交通混乱"),
    ),
    (
        "food-safety",
        "食品安全",
        "shichang",
        ("超市销售过期食品", "外卖餐馆卫生条件差", "菜市场商户缺斤少两"),
    ),
    (
        "public-order",
        "治安管理",
        "gongan",
        ("小区门口夜间有人聚集喧哗", "电动车在楼道充电存在隐患", "有人在小区内乱发小广告"),
    ),
    (
        "water-supply",
        "供水停水",
        "shuiwu",
        ("小区停水两天没有通知", "自来水水压太低高层用不上水", "自来水发黄有异味"),
    ),
    (
        "drainage",
        "排水内涝",
        "shuiwu",
        ("下雨后路口积水严重", "下水道堵塞污水外溢", "雨水井盖缺失存在危险"),
    ),
    (
        "street-vendors",
        "占道经营",
        "chengguan",
        ("流动摊贩占用人行道", "商铺把货物摆到店外占道", "夜市摊点油烟和垃圾扰民"),
    ),
    (
        "garbage",
        "垃圾清运",
        "lvhua",
        ("垃圾站好几天没人清运", "建筑垃圾随意堆放在路边", "垃圾分类投放点脏乱差"),
    ),
    (
        "streetlights",
        "路灯照明",
        "chengguan",
        ("路灯坏了好几盏晚上很黑", "路灯白天亮晚上不亮", "小区道路没有照明"),
    ),
    (
        "heating",
        "供暖问题",
        "zhujian",
        ("家里暖气不热室温只有十几度", "供暖管道漏水", "已交供暖费但一直没供暖"),
    ),
    (
        "power",
        "停电用电",
        "gongdian",
        ("小区频繁停电没有通知", "电压不稳家电烧坏", "电线杆倾斜存在隐患"),
    ),
    (
        "gas",
        "燃气安全",
        "ranqi",
        ("楼道里有燃气异味", "燃气表故障多扣费", "燃气公司上门检修不及时"),
    ),
    (
        "elderly",
        "养老服务",
        "minzheng",
        ("社区养老服务站经常关门", "高龄津贴迟迟没有发放", "老人助餐点饭菜质量差"),
    ),
    (
        "medical-insurance",
        "医保报销",
        "yibao",
        ("异地就医报销手续复杂", "医保卡被盗刷", "门诊慢特病报销比例有疑问"),
    ),
    (
        "tourism",
        "旅游投诉",
        "wenlv",
        ("景区强制消费", "旅行社临时更改行程", "景区门票价格与公示不符"),
    ),
    (
        "safety",
        "安全隐患",
        "yingji",
        ("老旧小区消防通道被堵", "商场安全出口上锁", "工地塔吊作业存在安全隐患"),
    ),
]
DETAILS = (
    "已经持续一周了",
    "多次反映一直没有解决",
    "严重影响居民正常生活",
    "希望相关部门尽快处理",
    "老人孩子深受其扰",
    "之前打过电话但没人管",
    "请尽快安排人员查看",
    "周边居民意见很大",
)


def unit_rows() -> list[tuple[str, str, str]]:
    """(code, name, parent code) of every handling unit."""
    rows = [(code, name, "") for code, name in DISTRICTS]
    rows += [(code, name, parent) for code, name, parent, _ in STREETS]
    rows += [(code, name, "") for code, name in BUREAUS]
    return rows
