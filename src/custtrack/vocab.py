"""The fixed vocabularies of custtrack (kept import-free so the CLI can use them for --help).

The values are stored and written (JSON, CSV) in English; people see them through `label()`,
in the interface language.
"""

from .i18n import C_, pgettext

CHANNELS = ("phone", "wechat", "email", "visit", "meeting", "sms", "video", "social", "other")
GENDERS = ("female", "male", "other", "unknown")
PRICE_SENSITIVITY = ("low", "medium", "high")
CUSTOMER_STATUS = ("active", "archived")
COMPLAINT_CATEGORIES = ("price", "quality", "service", "delivery", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
COMPLAINT_STATUS = ("open", "resolved")
FOLLOWUP_STATUS = ("open", "done", "cancelled")
FOLLOWUP_ORIGINS: tuple[str, ...]  # extended below
FOLLOWUP_ORIGINS = ("manual", "cadence", "birthday", "post-purchase", "complaint", "at-risk")
FOLLOWUP_ORIGINS += ("tier",)  # a loyalty tier reached or about to be lost (issue 15)
LOST_REASONS = ("price", "competitor", "service", "quality", "other")
CADENCE_SCOPES = ("tag", "customer", "segment")
FORMATS = ("table", "json", "csv")
# vocabularies of options defined elsewhere (analytics.lifecycle.STAGES, `segments --by`,
# `due --rank`), repeated here so that their words live in the one table below
STAGES = ("potential", "new", "active", "loyal", "at risk", "churned", "won back")
GROUP_BY = ("city", "source", "gender", "tag", "owner", "price-sensitivity")
RANKS = ("urgency", "health")

# Words people write in their own sheets and commands for the values above (matched after
# strip() and lower()); `validate.choice` accepts them wherever it accepts the value itself.
_WORDS = {
    CHANNELS: {
        "phone": "电话 打电话 电话联系 致电 来电 去电 电话回访 手机 call tel telephone",
        "wechat": "微信 微信聊天 微信联系 微信沟通 企业微信 企微 weixin wx",
        "email": "邮件 邮箱 电子邮件 发邮件 e-mail mail",
        "visit": "上门 上门拜访 拜访 面谈 面访 到店 来店 门店 见面 走访 在店 in-person",
        "meeting": "会议 开会 会面 洽谈会",
        "sms": "短信 信息 text",
        "video": "视频 视频通话 视频会议 videocall",
        "social": "社交 朋友圈 抖音 小红书 微博 qq",
        "other": "其他 其它",
    },
    GENDERS: {
        "male": "男 男性 先生 m",
        "female": "女 女性 女士 f",
        "other": "其他 其它",
        "unknown": "未知 保密 不详",
    },
    PRICE_SENSITIVITY: {
        "high": "高 较高 很高 敏感",
        "medium": "中 中等 一般 适中 med mid",
        "low": "低 较低 不敏感",
    },
    CUSTOMER_STATUS: {
        "active": "正常 活跃 有效 在用 启用 跟进中",
        "archived": "归档 已归档 停用 无效 作废 冻结",
    },
    FOLLOWUP_STATUS: {
        "open": "待跟进 未完成 进行中 计划中 待办 未跟进",
        "done": "已完成 完成 已跟进",
        "cancelled": "取消 已取消 canceled",
    },
    COMPLAINT_STATUS: {
        "open": "未处理 处理中 待处理",
        "resolved": "已解决 已处理 解决 已完成",
    },
    PRIORITIES: {
        "low": "低",
        "normal": "普通 一般 中",
        "high": "高 重要",
        "urgent": "紧急 加急",
    },
    COMPLAINT_CATEGORIES: {
        "price": "价格",
        "quality": "质量",
        "service": "服务",
        "delivery": "物流 配送 快递 发货 送货",
        "other": "其他 其它",
    },
    LOST_REASONS: {
        "price": "价格 太贵",
        "competitor": "竞争对手 竞品 同行",
        "service": "服务",
        "quality": "质量",
        "other": "其他 其它",
    },
    STAGES: {
        "potential": "潜在 潜在客户",
        "new": "新客 新客户 新",
        "active": "活跃 活跃客户",
        "loyal": "忠诚 忠诚客户 老客 老客户",
        "at risk": "有流失风险 流失风险 风险 at-risk atrisk",
        "churned": "已流失 流失",
        "won back": "已挽回 挽回 won-back wonback",
    },
    GROUP_BY: {
        "city": "城市",
        "source": "来源 客户来源",
        "gender": "性别",
        "tag": "标签",
        "owner": "负责人",
        "price-sensitivity": "价格敏感度 price_sensitivity pricesensitivity",
    },
    RANKS: {"urgency": "紧急度 紧急", "health": "健康度 健康"},
    # a contact point's kind (services.contact_points.KINDS; `import contact_points`, issue 17.8)
    ("phone", "email", "wechat"): {
        "phone": "电话 手机 手机号 手机号码 电话号码 座机 mobile tel telephone",
        "email": "邮箱 邮件 电子邮件 电子邮箱 邮箱地址 e-mail mail",
        "wechat": "微信 微信号 企业微信 weixin wx",
    },
}
SYNONYMS: dict[tuple[str, ...], dict[str, str]] = {
    vocab: {word: value for value, words in table.items() for word in words.split()}
    for vocab, table in _WORDS.items()
}


# What people see for each stored value (English msgids with the vocabulary as context; the
# catalogue gives the Chinese). Values not listed here are shown as stored.
_LABELS = (
    C_("channel", "phone"), C_("channel", "wechat"), C_("channel", "email"),
    C_("channel", "visit"), C_("channel", "meeting"), C_("channel", "sms"),
    C_("channel", "video"), C_("channel", "social"), C_("channel", "other"),
    C_("gender", "female"), C_("gender", "male"), C_("gender", "other"), C_("gender", "unknown"),
    C_("price_sensitivity", "low"), C_("price_sensitivity", "medium"),
    C_("price_sensitivity", "high"),
    C_("customer_status", "active"), C_("customer_status", "archived"),
    C_("complaint_category", "price"), C_("complaint_category", "quality"),
    C_("complaint_category", "service"), C_("complaint_category", "delivery"),
    C_("complaint_category", "other"),
    C_("priority", "low"), C_("priority", "normal"), C_("priority", "high"),
    C_("priority", "urgent"),
    C_("complaint_status", "open"), C_("complaint_status", "resolved"),
    C_("followup_status", "open"), C_("followup_status", "done"),
    C_("followup_status", "cancelled"),
    C_("origin", "manual"), C_("origin", "cadence"), C_("origin", "birthday"),
    C_("origin", "post-purchase"), C_("origin", "complaint"), C_("origin", "at-risk"),
    C_("origin", "tier"),
    C_("lost_reason", "price"), C_("lost_reason", "competitor"), C_("lost_reason", "service"),
    C_("lost_reason", "quality"), C_("lost_reason", "other"),
    C_("cadence_scope", "tag"), C_("cadence_scope", "customer"), C_("cadence_scope", "segment"),
)  # fmt: skip


def label(vocabulary: str, value: str | None) -> str:
    """A stored value as people read it: `label("channel", "wechat")` is 微信 in Chinese.
    `vocabulary` is one of the contexts above ("channel", "origin", "stage", "segment" …)."""
    if not value:
        return ""
    return pgettext(vocabulary, value)


# the label context (above) of each vocabulary: its Chinese labels are accepted as its words too,
# and an error lists its values in the interface language (issue 17.14)
CONTEXTS: dict[tuple[str, ...], str] = {
    CHANNELS: "channel", GENDERS: "gender", PRICE_SENSITIVITY: "price_sensitivity",
    CUSTOMER_STATUS: "customer_status", COMPLAINT_CATEGORIES: "complaint_category",
    PRIORITIES: "priority", COMPLAINT_STATUS: "complaint_status",
    FOLLOWUP_STATUS: "followup_status", FOLLOWUP_ORIGINS: "origin", LOST_REASONS: "lost_reason",
    CADENCE_SCOPES: "cadence_scope", STAGES: "stage",
}  # fmt: skip


def meaning(value: str, allowed: tuple[str, ...]) -> str | None:
    """The value of `allowed` that `value` (as typed: wechat, 微信, 企业微信) means, if any: the
    value itself, a word of SYNONYMS, or its Chinese label, whatever the interface language."""
    v = value.strip().lower()
    if v in allowed:
        return v
    got = SYNONYMS.get(allowed, {}).get(v)
    if got is None and allowed in CONTEXTS:
        context = CONTEXTS[allowed]
        got = next((a for a in allowed if _chinese(context, a) == value.strip()), None)
    return got


def accepted(allowed: tuple[str, ...]) -> str:
    """The values of a vocabulary as an error lists them: English as stored (phone, wechat …);
    in Chinese their labels (电话、微信 …), which are accepted as well."""
    from .i18n import _, is_chinese

    if not is_chinese():
        return ", ".join(allowed)
    context = CONTEXTS.get(allowed)
    if context is not None:
        return "、".join(label(context, a) for a in allowed)
    # no labels: the first Chinese word of each value, the value itself in backticks
    words = SYNONYMS.get(allowed, {})
    shown = []
    for a in allowed:
        zh = next((w for w, v in words.items() if v == a and not w.isascii()), None)
        shown.append(_("{word} (`{value}`)").format(word=zh, value=a) if zh else f"`{a}`")
    return "、".join(shown)


def _chinese(context: str, value: str) -> str:
    """A value's Chinese label whatever the interface language (to read Chinese input)."""
    from . import i18n

    try:
        return i18n._load("zh-CN").pgettext(context, value)
    except OSError:  # no compiled catalogue
        return value
