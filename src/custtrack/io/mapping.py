"""Which column holds which field: common English and Chinese headers, and --map overrides."""

from __future__ import annotations

import re

from ..errors import InvalidValue, UsageError

# Customer fields, and the fields that link a record to its customer.
_CUSTOMER = {
    "name": "name customer customername fullname client clientname contactname 姓名 客户名称 客户 "
    "名字 客户姓名 联系人 名称 会员姓名",
    "phone": "phone mobile tel telephone cell cellphone phonenumber mobilephone mobileno 电话 手机 "
    "手机号 手机号码 电话号码 联系电话",
    "email": "email mail emailaddress 邮箱 电子邮件 电子邮箱 邮件 邮箱地址",
    "external_id": "externalid customerid custid clientid customerno customernumber customercode "
    "memberid memberno 客户编号 客户id 客户号 会员号 会员编号 会员id 编号",
}
_PROFILE = {
    "wechat": "wechat weixin wx wechatid 微信 微信号",
    "company": "company organisation organization org business employer 公司 单位 企业 公司名称",
    "address": "address street streetaddress 地址 住址 收货地址 联系地址",
    "city": "city town 城市 所在城市 所在地",
    "birthday": "birthday birthdate dateofbirth dob 生日 出生日期",
    "gender": "gender sex 性别",
    "source": "source leadsource referral acquisitionsource 来源 客户来源 获客渠道",
    "owner": "owner salesrep rep accountmanager assignedto 负责人 销售 客户经理 跟进人 归属",
    "price_sensitivity": "pricesensitivity 价格敏感度",
    "notes": "notes note comment comments remarks remark 备注 说明",
    "tags": "tags tag labels label 标签",
}
_AT = "date datetime time at when timestamp 日期 时间"
_KIND = {
    "purchases": {
        "at": _AT
        + " purchasedate orderdate purchasedat orderedat saledate 购买日期 下单时间 下单日期 "
        "订单日期 交易时间 交易日期 购买时间",
        "amount": "amount total price value sales revenue paid amountpaid totalamount 金额 "
        "总额 总价 "
        "订单金额 实付金额 消费金额 价格 实付",
        "qty": "qty quantity count units 数量 件数",
        "product": "product item sku productname goods itemname 产品 商品 商品名称 产品名称 品名",
        "category": "category productcategory type 类别 分类 品类",
        "order_ref": "orderref orderid ordernumber orderno order receipt receiptno invoice "
        "invoiceno reference 订单号 订单编号 单号 流水号",
        "currency": "currency 币种 货币",
    },
    "interactions": {
        "at": _AT + " contactdate contactedat 联系时间 联系日期 跟进时间 跟进日期",
        "channel": "channel type method medium via 渠道 方式 联系方式 跟进方式",
        "summary": "summary content subject details description notes note 内容 摘要 沟通内容 "
        "记录 跟进内容 备注",
        "outcome": "outcome result 结果 跟进结果",
        "owner": "owner by staff rep 负责人 跟进人 销售",
    },
    "feedback": {
        "at": _AT + " feedbackdate 反馈时间 反馈日期",
        "csat": "csat satisfaction rating score stars 满意度 评分 打分",
        "nps": "nps recommend likelihoodtorecommend 推荐度 推荐值 推荐意愿",
        "text": "text feedback comment comments remarks review 反馈 意见 评价 内容 备注",
        "channel": "channel via 渠道",
    },
}

FIELDS: dict[str, tuple[str, ...]] = {
    "customers": (*_CUSTOMER, *_PROFILE),
    **{kind: (*_CUSTOMER, *extra) for kind, extra in _KIND.items()},
}
IGNORE = ("-", "ignore", "skip")


def _norm(header: str) -> str:
    """'E-mail Address' -> 'emailaddress'; '手机号码（必填）' -> '手机号码'."""
    text = re.sub(r"[（(].*?[)）]", "", str(header)).lower()
    return re.sub(r"[\s_\-./:：*#]+", "", text)


def _aliases(kind: str) -> dict[str, str]:
    table = dict(_CUSTOMER)
    if kind == "customers":
        table.update(_PROFILE)
    else:
        table.update(_KIND[kind])
    out: dict[str, str] = {}
    for field, words in table.items():
        out[_norm(field)] = field
        for word in words.split():
            out.setdefault(_norm(word), field)
    return out


def auto_map(kind: str, headers: list[str], overrides: list[str] | None = None) -> dict[int, str]:
    """Column index -> field. Overrides are 'Column=field' ('Column=-' ignores a column)."""
    if kind not in FIELDS:
        raise UsageError(f"cannot import {kind!r}")
    fields = FIELDS[kind]
    forced: dict[int, str | None] = {}
    for item in overrides or []:
        column, sep, field = item.partition("=")
        column, field = column.strip(), field.strip().lower().replace("-", "_")
        if not sep or not column:
            raise InvalidValue("--map", item, "expected COLUMN=FIELD", 'e.g. --map "手机=phone"')
        matches = [i for i, h in enumerate(headers) if h == column] or [
            i for i, h in enumerate(headers) if h.lower() == column.lower()
        ]
        if not matches:
            raise InvalidValue(
                "--map", item, "no such column", "columns: " + ", ".join(repr(h) for h in headers)
            )
        if field in IGNORE or field == "":
            forced[matches[0]] = None
        elif field not in fields:
            raise InvalidValue(
                "--map", item, f"{field!r} is not a field of {kind}", ", ".join(fields)
            )
        else:
            forced[matches[0]] = field
    mapping: dict[int, str] = {i: f for i, f in forced.items() if f}
    taken = set(mapping.values())
    aliases = _aliases(kind)
    for i, header in enumerate(headers):
        if i in forced:
            continue
        field = aliases.get(_norm(header))
        if field and field not in taken:
            mapping[i] = field
            taken.add(field)
    return dict(sorted(mapping.items()))


def describe(headers: list[str], mapping: dict[int, str]) -> tuple[list[str], list[str]]:
    """('Column → field' for each mapped column, names of the ignored columns)."""
    used = [f"{headers[i]} → {field}" for i, field in mapping.items()]
    ignored = [h or f"(column {i + 1})" for i, h in enumerate(headers) if i not in mapping]
    return used, ignored
