"""Which column holds which field: common English and Chinese headers, group headers above them
(跟进情况 / 日期), a look at the values where a header means two things, and --map overrides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from ..errors import InvalidValue, UsageError
from ..i18n import C_, N_, _, pgettext

# Customer fields, and the fields that link a record to its customer.
_CUSTOMER = {
    "name": "name customer customername fullname client clientname contactname 姓名 客户名称 客户 "
    "名字 客户姓名 联系人 名称 会员姓名 顾客 顾客姓名",
    "phone": "phone mobile tel telephone cell cellphone phonenumber mobilephone mobileno 电话 手机 "
    "手机号 手机号码 电话号码 联系电话 客户电话 客户手机 联系方式",
    "email": "email mail emailaddress 邮箱 电子邮件 电子邮箱 邮件 邮箱地址",
    "external_id": "externalid customerexternalid customerid custid clientid customerno "
    "customernumber customercode memberid memberno 客户编号 客户id 客户号 会员号 会员编号 会员id "
    "会员卡号 编号",
}
_PROFILE = {
    "wechat": "wechat weixin wx wechatid 微信 微信号",
    "company": "company organisation organization org business employer 公司 单位 企业 公司名称",
    "address": "address street streetaddress 地址 住址 收货地址 联系地址",
    "city": "city town 城市 所在城市 所在地 地区",
    "birthday": "birthday birthdate dateofbirth dob 生日 出生日期",
    "lunar_birthday": "lunarbirthday 农历生日 阴历生日 农历 阴历",
    "gender": "gender sex 性别",
    "source": "source leadsource referral acquisitionsource 来源 客户来源 获客渠道 来源渠道",
    "owner": "owner salesrep rep accountmanager assignedto 负责人 销售 客户经理 跟进人 归属 业务员",
    "price_sensitivity": "pricesensitivity 价格敏感度",
    "notes": "notes note comment comments remarks remark 备注 说明",
    "tags": "tags tag labels label 标签",
    "status": "status customerstatus 客户状态 状态",
    "created_at": "createdat customersince since joined signupdate 建档日期 建档时间 登记日期 "
    "登记时间 入会日期 注册日期 注册时间 创建时间 创建日期",
    "lost_reason": "lostreason 流失原因",
    "lost_note": "lostnote 流失说明 流失备注",
    "lost_at": "lostat lostdate 流失日期 流失时间",
    # issue 15: company accounts (公司 + 联系人: see _company_rows) and referrals
    "kind": "kind customerkind customertype accounttype 客户类型 客户性质 客户类别",
    "contact_person": "contactperson 联系人姓名 对接人",
    "contact_role": "role title position jobtitle 职务 职位 岗位 角色",
    "referrer": "referrer referredby introducedby 介绍人 推荐人 引荐人 介绍客户 推荐客户",
    "referred_by_id": "referredbyid 介绍人编号",
}
_AT = "date datetime time at when timestamp 日期 时间"
_KIND = {
    "purchases": {
        "at": _AT
        + " purchasedate orderdate purchasedat orderedat saledate 购买日期 下单时间 下单日期 "
        "订单日期 交易时间 交易日期 购买时间 成交日期 成交时间 消费日期 消费时间",
        "amount": "amount total price value sales revenue paid amountpaid totalamount 金额 "
        "总额 总价 订单金额 实付金额 消费金额 价格 实付 成交金额 购买金额 交易金额 销售额",
        "qty": "qty quantity count units 数量 件数 购买数量",
        "product": "product item sku productname goods itemname 产品 商品 商品名称 产品名称 品名 "
        "购买产品 购买商品 成交产品",
        "category": "category productcategory type 类别 分类 品类 产品类别 商品类别",
        "order_ref": "orderref orderid ordernumber orderno order receipt receiptno invoice "
        "invoiceno reference 订单号 订单编号 单号 流水号",
        "currency": "currency 币种 货币",
        # what the line cost the shop (issue 16): the whole line's, or one unit's × qty
        "cost": "cost costs totalcost linecost cogs costamount 成本 总成本 成本金额 商品成本 "
        "货品成本",
        "unit_cost": "unitcost costprice purchaseprice buyingprice 进价 进货价 成本价 单位成本 "
        "单件成本 采购价 采购单价 进货单价",
    },
    "interactions": {
        "at": _AT + " contactdate contactedat 联系时间 联系日期 跟进时间 跟进日期",
        "channel": "channel type method medium via 渠道 方式 联系方式 跟进方式",
        "summary": "summary content subject details description notes note 内容 摘要 沟通内容 "
        "记录 跟进内容 备注",
        "outcome": "outcome result 结果 跟进结果",
        "owner": "owner by staff rep 负责人 跟进人 销售",
    },
    "followups": {
        "due_date": "due duedate date day when nextcontact nextfollowup 日期 跟进日期 计划日期 "
        "下次跟进 下次跟进日期 下次跟进时间 预约日期 提醒日期",
        "due_time": "duetime time 时间 预约时间 提醒时间",
        "channel": "channel method via 方式 跟进方式 渠道",
        "note": "note notes content task subject 内容 跟进内容 事项 备注 计划内容",
        "owner": "owner assignee by staff rep 负责人 跟进人 销售",
        "status": "status done 状态 跟进状态 完成情况",
        "origin": "origin 来源",
        "priority": "priority 优先级 重要程度",
        "snoozed_until": "snoozeduntil snoozed 推迟到 延后到",
        "created_at": "createdat planned plannedat 创建时间 登记时间",
        "closed_at": "closedat completedat donedate 完成时间 完成日期",
    },
    "complaints": {
        "opened_at": _AT + " openedat opened complaintdate 投诉日期 投诉时间 反馈日期 登记日期",
        "category": "category type kind issue 类别 分类 投诉类型 问题类型 类型",
        "priority": "priority severity 优先级 紧急程度 严重程度",
        "text": "text complaint description details content 内容 投诉内容 问题描述 描述 问题",
        "assignee": "assignee owner handler 处理人 负责人 跟进人",
        "status": "status 状态 处理状态",
        "resolution": "resolution solution outcome 处理结果 解决方案 处理方式 处理意见 结果",
        "resolved_at": "resolvedat resolveddate closedat 解决日期 解决时间 处理日期 处理时间 "
        "完成时间",
    },
    "feedback": {
        "at": _AT + " feedbackdate 反馈时间 反馈日期",
        "csat": "csat satisfaction rating score stars 满意度 评分 打分",
        "nps": "nps recommend likelihoodtorecommend 推荐度 推荐值 推荐意愿",
        "text": "text feedback comment comments remarks review 反馈 意见 评价 内容 备注",
        "channel": "channel via 渠道",
    },
}

# A tracking sheet (客户追踪表): a customer per row, with their latest contact, the next one
# planned and a purchase. Its fields are named by part (contact_at, next_at, bought_at …).
_SHEET_PARTS = {
    "contact": {
        "contact_at": "contactat contactdate contactedat lastcontact lastcontacted lastcontactdate "
        "跟进日期 跟进时间 联系日期 联系时间 拜访日期 拜访时间 沟通日期 沟通时间 回访日期 回访时间 "
        "最近跟进 最近跟进时间 最近跟进日期 上次跟进 上次跟进时间 上次跟进日期 上次联系 "
        "上次联系时间 最后跟进 最后跟进时间 最后联系时间 最近联系 最近联系时间 最近联系日期 " + _AT,
        "channel": "channel method medium via 跟进方式 联系渠道 沟通方式 拜访方式 方式 渠道",
        "summary": "summary content details 跟进内容 跟进记录 跟进情况 沟通内容 沟通记录 沟通情况 "
        "拜访内容 拜访记录 联系内容 联系记录 回访内容 回访记录 最近跟进内容 跟进详情 洽谈内容 "
        "内容 记录",
        "outcome": "outcome result 跟进结果 沟通结果 拜访结果 回访结果 结果",
    },
    "next": {
        "next_at": "nextat nextfollowup nextfollowupdate nextcontact nextcontactdate followupdate "
        "nextdate 下次跟进 下次跟进时间 下次跟进日期 下次联系 下次联系时间 下次联系日期 下次回访 "
        "下次回访时间 下次回访日期 下次拜访 下次拜访时间 下次拜访日期 计划跟进时间 计划跟进日期 "
        "预约时间 预约日期 提醒时间 提醒日期",
        "next_note": "nextnote nextstep nextsteps nextaction 下次跟进内容 下次跟进计划 跟进计划 "
        "下一步 下一步计划 计划内容 下次跟进事项 下次联系内容",
    },
    "purchase": {
        "bought_at": "boughtat purchasedate purchasedat orderdate lastpurchase lastpurchasedate "
        "购买日期 购买时间 成交日期 成交时间 下单日期 下单时间 消费日期 消费时间 订单日期 交易日期 "
        "交易时间 最近购买 最近购买时间 最近购买日期 最近消费 最近消费时间 最后购买时间",
        **{f: w for f, w in _KIND["purchases"].items() if f != "at"},
    },
}
# the words of a group header above a part's columns (下次 before 跟进: 下次跟进 is the plan)
_PART_WORDS = {
    "next": "下次 计划 预约 提醒 next plan",
    "purchase": "购买 消费 订单 成交 交易 购物 销售 purchase order sale",
    "contact": "跟进 联系 沟通 拜访 回访 contact followup",
}
# under such a group, the plain words of that part: 跟进情况 / 日期 is when the contact was
_IN_PART = {
    "contact": {"contact_at": _AT, **{f: w for f, w in _KIND["interactions"].items() if f != "at"}},
    "next": {"next_at": _AT, "next_note": "note notes content 内容 事项 备注 计划"},
    "purchase": {"bought_at": _AT, **{f: w for f, w in _KIND["purchases"].items() if f != "at"}},
}
_SHEET = {f: w for part in _SHEET_PARTS.values() for f, w in part.items()}
SHEET_PARTS = {part: tuple(fields) for part, fields in _SHEET_PARTS.items()}

# issue 15: a company's contact persons (the customer is the company: the names, phones and
# e-mails of the file are its people's), and the points ledger
_COMPANY_LINK = ("customer customername company companyname organisation organization 公司 单位 "
                 "企业 公司名称 单位名称 企业名称 客户 客户名称 客户姓名")  # fmt: skip
_KIND["persons"] = {
    "person": "person personname contactperson contactname contact name 联系人 联系人姓名 对接人 "
    "姓名 名字",
    "role": _PROFILE["contact_role"],
    "person_phone": _CUSTOMER["phone"],
    "person_wechat": _PROFILE["wechat"],
    "person_email": _CUSTOMER["email"],
    "notes": _PROFILE["notes"],
}
# who of a company a contact or purchase was with: custtrack export's contact person number
_KIND["purchases"]["person_id"] = _KIND["interactions"]["person_id"] = "personid 联系人编号"
# issue 17.7: a refund is a line with a negative amount naming the purchase it gives back for
# (refund_of: an `id` of the same file, as custtrack export writes it, or a purchase's id in the
# book), and why (note)
_KIND["purchases"] |= {
    "purchase_id": "id purchaseid 购买编号 系统编号",
    "refund_of": "refundof refundfor 退款原单 原购买编号 退款对应购买",
    "note": "note notes remark memo reason 备注 退款原因 说明",
}
_KIND["points"] = {
    "at": _AT + " 积分日期 积分时间 变动日期 变动时间",
    "kind": "kind type 类型 积分类型 变动类型",
    "points": "points point 积分 积分数 积分变动 变动积分",
    "purchase_id": "purchaseid 购买编号",
    "note": "note notes reason for memo 说明 备注 原因 用途 摘要",
}
# issue 17.8: a customer's other phones, e-mails and WeChat handles (export's contact_points);
# its words come before the customer's (联系方式 is the value here, not the customer's phone)
_KIND["contact_points"] = {
    "kind": "kind type contactkind contacttype 联系方式类型 类型 方式",
    "value": "value contact contactpoint othercontact 联系方式 其他联系方式 号码 账号",
    "source": "source 来源",
    "created_at": "createdat added addedat 添加时间 添加日期 创建时间 登记时间",
}

FIELDS: dict[str, tuple[str, ...]] = {
    # erased_at: custtrack export's placeholders of forgotten customers, which are not re-created
    "customers": (*_CUSTOMER, *_PROFILE, "erased_at"),
    **{kind: (*_CUSTOMER, *extra) for kind, extra in _KIND.items()},
    "sheet": (*_CUSTOMER, *_PROFILE, *_SHEET),
}
FIELDS["persons"] = ("name", "external_id", *_KIND["persons"])  # phones and e-mails: the people's
IGNORE = ("-", "ignore", "skip")
# the kinds as people read them in messages (the `import` subcommands; English: the kind itself)
_KIND_LABELS = (
    C_("import_kind", "customers"), C_("import_kind", "purchases"),
    C_("import_kind", "interactions"), C_("import_kind", "feedback"),
    C_("import_kind", "followups"), C_("import_kind", "complaints"), C_("import_kind", "sheet"),
)  # fmt: skip
# a header that means one field or another, told apart by the values under it: in a customer
# sheet 联系方式 ("how to reach them") is mostly the phone number, in a contact log the channel
_BY_VALUES = {"联系方式": ("phone", "channel")}
_PHONE_LIKE = re.compile(r"[+\d][\d\s().-]{6,}")


def norm(header: Any) -> str:
    """'E-mail Address' -> 'emailaddress'; '手机号码（必填）' -> '手机号码'."""
    text = re.sub(r"[（(【\[].*?[)）】\]]", "", str(header)).lower()
    return re.sub(r"[\s_\-./:：*#]+", "", text)


def _table(words: dict[str, str], into: dict[str, str] | None = None) -> dict[str, str]:
    out = {} if into is None else into
    for field, text in words.items():
        out.setdefault(norm(field), field)
        for word in text.split():
            out.setdefault(norm(word), field)
    return out


def _aliases(kind: str) -> dict[str, str]:
    if kind == "persons":  # the people's words first; the customer is named as a company is
        link = {"name": _COMPANY_LINK, "external_id": _CUSTOMER["external_id"]}
        return _table(link, _table(_KIND["persons"]))
    if kind == "contact_points":
        return _table(_CUSTOMER, _table(_KIND["contact_points"]))
    out = _table(_CUSTOMER)
    if kind in ("customers", "sheet"):
        _table(_PROFILE, out)
    if kind == "sheet":
        for part in ("contact", "next", "purchase"):
            _table(_SHEET_PARTS[part], out)
    elif kind in _KIND:
        _table(_KIND[kind], out)
    return out


@cache
def _known(kind: str | None) -> frozenset[str]:
    kinds = FIELDS if kind is None else (kind,)
    return frozenset(word for k in kinds for word in _aliases(k))


def header_score(cells: Sequence[Any], kind: str | None = None) -> int:
    """How many cells of a row are header words of this kind (of any kind if None): the header
    row has most."""
    words = {norm(c) for c in cells if isinstance(c, str) and c.strip()}
    return len(words & _known(kind))


def part_of(group: str | None) -> str | None:
    """The part of a tracking sheet a group header names (下次跟进 -> next), if any."""
    text = norm(group or "")
    if not text:
        return None
    for part, words in _PART_WORDS.items():
        if any(norm(w) in text for w in words.split()):
            return part
    return None


def is_export(kind: str, headers: Sequence[str]) -> bool:
    """Headers as `custtrack export` writes them for this kind: its `id` (customers) and
    `customer_id` (the rest) are this book's customer numbers, the field `number` (as in #12)."""
    have = set(headers)
    if kind == "customers":
        return {"id", "name", "created_at", "updated_at"} <= have
    return {"id", "customer_id", "customer_name"} <= have


def _by_values(field_pair: tuple[str, str], values: list[Any]) -> str:
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    phones = sum(1 for t in texts if _PHONE_LIKE.fullmatch(t))
    return field_pair[0] if texts and phones * 2 >= len(texts) else field_pair[1]


def auto_map(
    kind: str,
    headers: list[str],
    overrides: list[str] | None = None,
    groups: list[str | None] | None = None,
    sample: list[list[Any]] | None = None,
) -> dict[int, str]:
    """Column index -> field. Overrides are 'Column=field' ('Column=-' ignores a column).

    groups: the group header above each column, if the sheet has two header rows; sample: the
    first data rows, for the headers that mean different fields (_BY_VALUES)."""
    if kind not in FIELDS:
        raise UsageError(_("cannot import {kind}").format(kind=repr(kind)))
    fields = FIELDS[kind]
    forced = _overrides(kind, fields, headers, overrides or [])
    mapping: dict[int, str] = {i: f for i, f in forced.items() if f}
    taken = set(mapping.values())
    aliases = _aliases(kind)
    groups = groups or [None] * len(headers)
    # the header under its group ('跟进情况/日期' is how table names a repeated 日期)
    subs = [
        h[len(g) + 1 :] if g and h.startswith(g + "/") else h
        for h, g in zip(headers, groups, strict=True)
    ]
    keys = [norm(h) for h in subs]

    def take(i: int, field: str | None) -> None:
        if field and field in fields and field not in taken and i not in mapping:
            mapping[i] = field
            taken.add(field)

    free = [i for i in range(len(headers)) if i not in forced]
    if is_export(kind, headers):
        number = headers.index("id" if kind == "customers" else "customer_id")
        if number not in forced:  # --map "customer_id=-" leaves it out
            mapping[number] = "number"
    for i in free:  # a field's own name (or customer_<field>) first: it is never a guess
        key = keys[i].removeprefix("customer")
        take(i, next((f for f in fields if norm(f) in (keys[i], key)), None))
    for i in free:
        part = part_of(groups[i]) if kind == "sheet" else None
        if part is not None:
            whole, plain = _part_tables(part)
            take(i, whole.get(norm(str(groups[i]) + subs[i])) or plain.get(keys[i]))
    for i in free:
        pair = _BY_VALUES.get(keys[i])
        if pair and all(f in fields for f in pair):
            column = [row[i] if i < len(row) else None for row in sample or []]
            take(i, _by_values(pair, column))
        else:
            take(i, aliases.get(keys[i]))
    if kind == "sheet":
        _ledger(mapping)
        _without_key_columns(mapping)
    if kind in ("customers", "sheet"):
        _company_rows(mapping, keys, forced)
    return dict(sorted(mapping.items()))


# headers that name a company's contact person rather than the customer (issue 15)
_PERSON_HEADERS = frozenset(("联系人", "联系人姓名", "对接人", "contactperson", "contactname"))


def _company_rows(mapping: dict[int, str], keys: list[str], forced: dict[int, Any]) -> None:
    """A list of companies: a company column (公司, 单位) and a contact person column (联系人)
    that would be read as the name. The company is the customer, 联系人 one of its people."""
    where = {f: i for i, f in mapping.items()}
    name, company = where.get("name"), where.get("company")
    if company is None or company in forced:
        return
    if "contact_person" not in where:
        if name is None or name in forced or keys[name] not in _PERSON_HEADERS:
            return
        mapping[name] = "contact_person"
    elif name is not None:
        return  # a name column as well: the company is where that person works
    mapping[company] = "name"


@cache
def _part_tables(part: str) -> tuple[dict[str, str], dict[str, str]]:
    """A part's headers as a whole (下次跟进日期), and its plain words under a group (日期)."""
    return _table(_SHEET_PARTS[part]), _table(_IN_PART[part])


def _ledger(mapping: dict[int, str]) -> None:
    """A sheet with a date and an amount but nothing about a contact is a sales ledger: its
    date is when they bought."""
    have = set(mapping.values())
    contact = have & {"channel", "summary", "outcome"}
    if "amount" in have and "bought_at" not in have and "contact_at" in have and not contact:
        i = next(i for i, f in mapping.items() if f == "contact_at")
        mapping[i] = "bought_at"


# the column a part of a tracking sheet cannot do without: the rest of the part means nothing alone
_KEY_COLUMN = {"contact": "contact_at", "next": "next_at", "purchase": "amount"}


def _without_key_columns(mapping: dict[int, str]) -> None:
    """Leave out a part whose key column the sheet lacks (product names without an amount are
    not purchases): those columns are listed as ignored."""
    have = set(mapping.values())
    for part, key in _KEY_COLUMN.items():
        if key not in have:
            for i in [i for i, f in mapping.items() if f in SHEET_PARTS[part]]:
                del mapping[i]


def _overrides(
    kind: str, fields: tuple[str, ...], headers: list[str], overrides: list[str]
) -> dict[int, str | None]:
    forced: dict[int, str | None] = {}
    for item in overrides:
        column, sep, field = item.partition("=")
        column, field = column.strip(), field.strip().lower()
        if field not in IGNORE:  # "Col=-" ignores the column (the help says so)
            field = field.replace("-", "_")
        if not sep or not column:
            raise InvalidValue(
                "--map", item, _("expected COLUMN=FIELD"), _('e.g. --map "手机=phone"')
            )
        matches = [i for i, h in enumerate(headers) if h == column] or [
            i for i, h in enumerate(headers) if h.lower() == column.lower()
        ]
        if not matches:
            raise InvalidValue(
                "--map",
                item,
                _("no such column"),
                _("columns: {columns}").format(
                    columns=pgettext("list", ", ").join(repr(h) for h in headers)
                ),
            )
        if field in IGNORE or field == "":
            forced[matches[0]] = None
        elif field not in fields:
            raise InvalidValue(
                "--map",
                item,
                _("{field} is not a field of {kind}").format(
                    field=repr(field), kind=pgettext("import_kind", kind)
                ),
                ", ".join(fields),
            )
        else:
            forced[matches[0]] = field
    return forced


_UNNAMED = N_("(column {n})")  # an ignored column without a header


def describe(
    headers: list[str], mapping: dict[int, str], shown: bool = False
) -> tuple[list[str], list[str]]:
    """('Column → field' for each mapped column, names of the ignored columns): English for the
    JSON report; shown: an unnamed column in the interface language ((column 3) / （第 3 列）)."""
    used = [f"{headers[i]} → {field}" for i, field in mapping.items()]
    unnamed = _(_UNNAMED) if shown else _UNNAMED
    ignored = [h or unnamed.format(n=i + 1) for i, h in enumerate(headers) if i not in mapping]
    return used, ignored
