"""Generate the bundled example shop: a small tea & gift shop in Hangzhou, as CSV files.

Standard library only, fixed seed: running it twice gives byte-identical files.

    python examples/generate.py            # rewrites the CSV files next to this script
    python examples/generate.py --out DIR  # writes them to DIR instead

All data are relative to the reference date 2026-11-20 (`custtrack demo` fixes its clock there).
Dates are ISO; times are the shop's local wall-clock time (Asia/Shanghai), without an offset.
Rows are linked by the customer's external id (C0001 …): `external_id` in customers.csv,
`customer_external_id` in the other files. Amounts are decimal CNY (yuan with fen).
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

SEED = 2026
REF = date(2026, 11, 20)  # the demo's "today"
FIRST_DAY = date(2025, 6, 1)  # the shop started keeping records ~18 months before REF
LAST_DAY = REF - timedelta(days=1)  # history ends yesterday
CURRENCY = "CNY"
N_CUSTOMERS = 200

STAFF = ("Lin Hui", "Chen Jie", "Amy Zhou")
SOURCES = (
    ("walk-in", 35),
    ("referral", 20),
    ("wechat-ad", 20),
    ("market-fair", 10),
    ("website", 15),
)

# Surnames and given-name characters with their pinyin, for names, WeChat ids and e-mails.
SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("沈", "shen"), ("钱", "qian"), ("蒋", "jiang"), ("韩", "han"), ("欧阳", "ouyang"),
)  # fmt: skip
FEMALE = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("琳", "lin"), ("欣", "xin"), ("悦", "yue"),
    ("颖", "ying"), ("洁", "jie"), ("梅", "mei"), ("兰", "lan"), ("晓", "xiao"), ("雨", "yu"),
    ("佳", "jia"), ("怡", "yi"),
)  # fmt: skip
MALE = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("杰", "jie"), ("涛", "tao"), ("斌", "bin"), ("超", "chao"), ("明", "ming"), ("辉", "hui"),
    ("鹏", "peng"), ("浩", "hao"), ("宇", "yu"), ("峰", "feng"), ("建", "jian"), ("刚", "gang"),
    ("俊", "jun"), ("凯", "kai"),
)  # fmt: skip
EN_FEMALE = ("Emma", "Sophie", "Olivia", "Charlotte", "Hannah", "Laura", "Grace", "Anna", "Chloe")
EN_MALE = ("James", "Lucas", "Daniel", "Thomas", "Oliver", "Mark", "David", "Ben", "Samuel")
EN_LAST = (
    "Wilson", "Carter", "Martin", "Schmidt", "Brown", "Taylor", "Dubois", "Becker", "Evans",
    "Walker", "Rossi", "Hughes", "Clarke", "Novak", "Jensen",
)  # fmt: skip
# foreign mobiles: +44 79xx, +1 (415) 2xx, +49 151, +61 4xx (all valid per libphonenumber)
FOREIGN_PHONES = (("+44 79{:02d} {:06d}", 2), ("+1 415 2{:02d} {:04d}", 2),
                  ("+49 151 {:04d}{:04d}", 2), ("+61 4{:02d} {:03d} 000", 2))  # fmt: skip
CN_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "199",
)  # fmt: skip

CITIES = (("杭州", 55), ("上海", 14), ("苏州", 6), ("宁波", 5), ("绍兴", 5), ("北京", 5),
          ("南京", 4), ("深圳", 3), ("成都", 3))  # fmt: skip
HZ_DISTRICTS = ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区")
STREETS = ("文三路", "延安路", "中山路", "解放路", "人民路", "建设路", "和平路", "庆春路",
           "湖滨路", "龙井路", "天目山路", "学院路")  # fmt: skip
EN_STREETS = ("Century Ave", "Nanjing West Rd", "Huaihai Middle Rd", "Wensan Rd", "Hubin Rd")
EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "foxmail.com", "gmail.com", "outlook.com")
COMPANIES = (
    "杭州清源茶馆", "西溪悦榕酒店", "云栖科技有限公司", "湖畔书房", "钱塘会计师事务所",
    "拱宸文化传媒", "良渚设计工作室", "望江律师事务所",
)  # fmt: skip
NOTES = (
    "Prefers green tea; does not drink black tea.",
    "喜欢绿茶，不喝红茶",
    "Buys gifts for clients before Mid-Autumn.",
    "Call after 18:00 on weekdays.",
    "Allergic to jasmine.",
    "老顾客介绍来的",
    "Collects Jianzhan cups.",
    "Asks for invoices (发票) with every order.",
    "Likes to taste before buying.",
)

# (product, category, unit price in fen)
PRODUCTS = (
    ("西湖龙井 明前特级 250g", "tea", 68800),
    ("西湖龙井 雨前 250g", "tea", 26800),
    ("安吉白茶 100g", "tea", 19800),
    ("碧螺春 100g", "tea", 15800),
    ("正山小种 200g", "tea", 12800),
    ("安溪铁观音 250g", "tea", 16800),
    ("普洱熟茶饼 357g", "tea", 23800),
    ("武夷大红袍 100g", "tea", 29800),
    ("茉莉花茶 200g", "tea", 6800),
    ("杭白菊 50g", "tea", 3250),
    ("龙泉青瓷盖碗", "teaware", 12800),
    ("宜兴紫砂壶", "teaware", 88000),
    ("玻璃公道杯", "teaware", 4500),
    ("建盏 兔毫", "teaware", 36800),
    ("竹制茶盘", "teaware", 21800),
    ("旅行茶具套装", "teaware", 15900),
    ("龙井双罐礼盒", "gifts", 49800),
    ("中秋茶礼盒", "gifts", 36800),
    ("新春茶礼盒", "gifts", 58800),
    ("丝绸茶席", "gifts", 8800),
    ("企业定制礼盒", "gifts", 128000),
    ("桂花糕", "snacks", 2880),
    ("绿茶酥", "snacks", 3600),
    ("定胜糕", "snacks", 1990),
    ("茶香瓜子", "snacks", 1550),
    ("临安山核桃仁", "snacks", 5800),
    ("锡制茶叶罐", "accessories", 3990),
    ("茶则茶针套装", "accessories", 4900),
)
FESTIVALS = (date(2025, 10, 6), date(2026, 2, 17), date(2026, 9, 25))  # Mid-Autumn, Spring
NEW_TEA = ((date(2026, 3, 25), date(2026, 5, 10)),)  # the new Longjing season

CONTACT_TOPICS = (
    ("Asked about this year's new Longjing", "will visit"),
    ("Shared photos of the new teaware arrivals", "interested"),
    ("问新茶到货时间", "等通知"),
    ("Invited to Saturday tea tasting", "will come"),
    ("Invited to Saturday tea tasting", "not this time"),
    ("Checked how the last order tasted", "happy"),
    ("Sent brewing tips for white tea", "thanked"),
    ("推荐中秋礼盒", "考虑中"),
    ("Quoted prices for gift boxes", "comparing"),
    ("Reminded about member discount", "interested"),
    ("Called about an order pickup", "picked up"),
)
PURCHASE_TOPICS = {
    "visit": (
        ("Came in and tasted a few teas", "ordered"),
        ("到店试茶", "下单"),
        ("Asked for a gift recommendation", "ordered"),
        ("Picked up the usual", "ordered"),
    ),
    "wechat": (
        ("Ordered on WeChat", "ordered, shipped"),
        ("微信下单", "已发货"),
        ("Asked for a gift recommendation", "ordered, shipped"),
        ("Reordered the usual", "ordered, shipped"),
    ),
}
FEEDBACK_TEXT = {
    5: ("Wonderful tea, beautifully packed.", "茶很香，包装精美", "Staff explained everything."),
    4: ("Good quality, a bit pricey.", "不错，下次还来", "Nice gift box, delivery was quick."),
    3: ("OK, but the tea was weaker than last time.", "一般般", "Waited a while at the counter."),
    2: ("Tea tasted stale.", "快递太慢了", "Packaging was damaged."),
    1: ("Very disappointed with the service.", "和描述不符"),
}
COMPLAINTS = (
    ("quality", "Tea tasted stale, suspects an old batch.", "Replaced with a fresh tin."),
    ("delivery", "Teapot arrived with a cracked lid.", "Sent a new lid by express."),
    ("delivery", "快递晚了三天", "补偿了一包桂花糕"),
    ("price", "Found the same gift box cheaper online.", "Explained the difference; 5% voucher."),
    ("service", "Nobody answered WeChat for two days.", "Apologised; set up auto-reply."),
    ("quality", "盖碗有裂纹", "已换货"),
    ("other", "Invoice had the wrong company name.", "Issued a corrected invoice."),
)
FOLLOWUP_NOTES = (
    "Tell about the new Longjing arrival",
    "Follow up on the corporate gift quote",
    "Invite to the Saturday tea tasting",
    "Ask how the Zisha teapot is seasoning",
    "Offer the member discount on the next order",
    "确认中秋礼盒数量",
    "Check if the replacement arrived",
    "Send the winter tea list",
    "Remind to pick up the engraved cups",
)
CAMPAIGNS = (
    # name, source, channel, cost in yuan, start, end
    ("WeChat Moments ads 2025", "wechat-ad", "wechat", "6800.00", "2025-06-01", "2025-12-31"),
    ("WeChat Moments ads 2026", "wechat-ad", "wechat", "9600.00", "2026-01-01", "2026-12-31"),
    ("West Lake spring fair", "market-fair", "visit", "3200.00", "2026-04-01", "2026-04-30"),
    ("Autumn craft market", "market-fair", "visit", "2500.00", "2025-10-01", "2025-10-31"),
    ("Website SEO", "website", "other", "4000.00", "2025-06-01", "2026-12-31"),
)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _stamp(day: date, at: time) -> str:
    return datetime.combine(day, at).strftime("%Y-%m-%d %H:%M")


def _shop_time(rng: random.Random, channel: str) -> time:
    """Visits happen in opening hours; messages from morning to late evening."""
    if channel in ("visit", "meeting"):
        return time(rng.randint(10, 19), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)))
    return time(rng.randint(8, 21), rng.randint(0, 59))


def _days(start: date, end: date) -> int:
    return (end - start).days


class Shop:
    """Builds every table in memory, then writes them."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.customers: list[dict] = []
        self.interactions: list[dict] = []
        self.purchases: list[dict] = []
        self.feedback: list[dict] = []
        self.complaints: list[dict] = []
        self.followups: list[dict] = []
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()
        self.order_seq = 0
        self.last_contact: dict[str, date] = {}
        self.occasions: dict[str, list[date]] = {}

    # --- people -----------------------------------------------------------------------------
    def cn_mobile(self) -> str:
        while True:
            digits = f"{self.rng.choice(CN_MOBILE_PREFIXES)}{self.rng.randint(0, 99999999):08d}"
            phone = f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def foreign_mobile(self) -> str:
        while True:
            pattern = self.rng.choice(FOREIGN_PHONES)[0]
            if pattern.startswith("+44"):
                phone = pattern.format(self.rng.randint(0, 99), self.rng.randint(0, 999999))
            elif pattern.startswith("+1"):
                phone = pattern.format(self.rng.randint(10, 99), self.rng.randint(0, 9999))
            elif pattern.startswith("+49"):
                phone = pattern.format(self.rng.randint(1000, 9999), self.rng.randint(0, 9999))
            else:
                phone = pattern.format(self.rng.randint(10, 99), self.rng.randint(100, 999))
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def email(self, local: str) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.3:
                addr = f"{rng.randint(10**7, 10**10)}@qq.com"
            else:
                addr = f"{local}{rng.randint(1, 99) if rng.random() < 0.6 else ''}"
                addr += "@" + rng.choice(EMAIL_DOMAINS)
            if addr not in self.used_emails:
                self.used_emails.add(addr)
                return addr

    def person(self, index: int, created: date) -> dict:
        rng = self.rng
        ext = f"C{index:04d}"
        english = rng.random() < 0.14
        female = rng.random() < 0.58
        if english:
            first = rng.choice(EN_FEMALE if female else EN_MALE)
            last = rng.choice(EN_LAST)
            name = f"{first} {last}"
            phone = self.foreign_mobile() if rng.random() < 0.35 else self.cn_mobile()
            email = self.email(f"{first}.{last}".lower())
            wechat = f"{first.lower()}_{rng.randint(100, 9999)}" if rng.random() < 0.6 else ""
            city = rng.choice(("杭州", "上海", "杭州"))
            address = (
                f"{rng.randint(1, 999)} {rng.choice(EN_STREETS)}, Apt {rng.randint(101, 2408)}"
            )
        else:
            sur, sur_py = rng.choice(SURNAMES)
            pool = FEMALE if female else MALE
            given = [rng.choice(pool) for _ in range(1 if rng.random() < 0.35 else 2)]
            name = sur + "".join(g[0] for g in given)
            pinyin = sur_py + "".join(g[1] for g in given)
            phone = self.cn_mobile()
            email = self.email(pinyin) if rng.random() < 0.35 else ""
            wechat = ""
            if rng.random() < 0.85:
                wechat = f"{pinyin}{rng.randint(1, 999)}"
                if rng.random() < 0.4:
                    wechat = f"wxid_{rng.randint(10**9, 10**10 - 1):x}"
            city = _weighted(rng, CITIES)
            district = rng.choice(HZ_DISTRICTS) if city == "杭州" else ""
            address = f"{district}{rng.choice(STREETS)}{rng.randint(1, 399)}号"
            if rng.random() < 0.5:
                address += f"{rng.randint(1, 30)}幢{rng.randint(1, 28)}0{rng.randint(1, 4)}室"
        birthday = ""
        if rng.random() < 0.6:
            born = date(REF.year - rng.randint(22, 70), rng.randint(1, 12), rng.randint(1, 28))
            birthday = born.isoformat()
        return {
            "external_id": ext,
            "name": name,
            "phone": phone,
            "email": email,
            "wechat": wechat,
            "company": "",
            "address": address,
            "city": city,
            "birthday": birthday,
            "gender": ("female" if female else "male") if rng.random() < 0.93 else "",
            "source": _weighted(rng, SOURCES),
            "owner": rng.choice(STAFF),
            "price_sensitivity": rng.choice(("low", "medium", "medium", "high", "")),
            "notes": rng.choice(NOTES) if rng.random() < 0.2 else "",
            "tags": [],
            "status": "active",
            "created_at": _stamp(created, _shop_time(rng, "visit")),
            "lost_reason": "",
            "lost_note": "",
            "lost_at": "",
            "_english": english,
        }

    # --- what happens -------------------------------------------------------------------------
    def contact(
        self, c: dict, day: date, channel: str, summary: str, outcome: str, at: time | None = None
    ) -> None:
        """A contact on `day`, at `at` (a purchase's own time) or at a shop time drawn here."""
        at = _shop_time(self.rng, channel) if at is None else at
        self.interactions.append(
            {
                "customer_external_id": c["external_id"],
                "at": _stamp(day, at),
                "channel": channel,
                "summary": summary,
                "outcome": outcome,
                "owner": c["owner"],
            }
        )
        ext = c["external_id"]
        self.last_contact[ext] = max(self.last_contact.get(ext, day), day)

    def pick_product(self, c: dict, day: date, favourite: str) -> tuple[str, str, int]:
        rng = self.rng
        if any(0 <= _days(day, f) <= 25 for f in FESTIVALS) and rng.random() < 0.6:
            category = "gifts"
        elif any(a <= day <= b for a, b in NEW_TEA) and rng.random() < 0.5:
            return PRODUCTS[rng.choice((0, 1, 1))]
        elif rng.random() < 0.55:
            category = favourite
        else:
            category = rng.choice(("tea", "tea", "teaware", "gifts", "snacks", "accessories"))
        choices = [p for p in PRODUCTS if p[1] == category]
        if category == "gifts" and "wholesale" not in c["tags"]:
            choices = [p for p in choices if p[0] != "企业定制礼盒"]
        if c["price_sensitivity"] == "high":
            cheap = [p for p in choices if p[2] <= 20000]
            choices = cheap or choices
        return rng.choice(choices)

    def buy(self, c: dict, day: date, favourite: str, wholesale: bool) -> None:
        rng = self.rng
        channel = "visit" if c["city"] == "杭州" and rng.random() < 0.7 else "wechat"
        at = _shop_time(rng, channel)
        lines = 1 if rng.random() < 0.55 else rng.choice((2, 2, 3))
        self.order_seq += 1
        seen: list[str] = []
        for n in range(1, lines + 1):
            product, category, price = self.pick_product(c, day, favourite)
            if product in seen:
                continue
            seen.append(product)
            if wholesale and category in ("tea", "gifts"):
                qty = rng.randint(10, 30)
                amount = price * qty * 80 // 100  # trade price: 20% off
            else:
                qty = rng.choice((1, 1, 1, 2, 2, 3)) if category in ("tea", "snacks") else 1
                amount = price * qty
                if "vip" in c["tags"]:
                    amount = amount * 95 // 100  # members pay 95%
            self.purchases.append(
                {
                    "customer_external_id": c["external_id"],
                    "at": _stamp(day, at),
                    "product": product,
                    "category": category,
                    "qty": qty,
                    "amount": _yuan(amount),
                    "currency": CURRENCY,
                    "order_ref": f"HZ{day:%y%m%d}-{self.order_seq:04d}-{n}",
                }
            )
        if rng.random() < 0.7:
            summary, outcome = rng.choice(PURCHASE_TOPICS[channel])
            self.contact(c, day, channel, summary, outcome, at=at)
        self.occasions.setdefault(c["external_id"], []).append(day)
        if rng.random() < 0.16:
            self.give_feedback(c, day + timedelta(days=rng.randint(1, 6)))

    def give_feedback(self, c: dict, day: date) -> None:
        rng = self.rng
        if day > LAST_DAY:
            return
        csat = rng.choices((5, 4, 3, 2, 1), weights=(45, 33, 13, 6, 3))[0]
        nps = max(0, min(10, {5: 9, 4: 8, 3: 6, 2: 4, 1: 2}[csat] + rng.randint(-1, 1)))
        ask_nps = rng.random() < 0.7
        self.feedback.append(
            {
                "customer_external_id": c["external_id"],
                "at": _stamp(day, _shop_time(rng, "wechat")),
                "csat": csat,
                "nps": nps if ask_nps else "",
                "text": rng.choice(FEEDBACK_TEXT[csat]) if rng.random() < 0.6 else "",
                "channel": rng.choice(("wechat", "wechat", "sms", "email", "visit")),
            }
        )

    def chat(self, c: dict, start: date, end: date, every: int, answered: float = 0.9) -> None:
        """Contacts without a purchase, roughly every `every` days between start and end."""
        rng = self.rng
        day = start + timedelta(days=rng.randint(5, every))
        while day <= end:
            channel = rng.choice(("wechat", "wechat", "wechat", "phone", "sms"))
            if c["_english"]:
                channel = rng.choice(("wechat", "email", "email", "phone"))
            if rng.random() < answered:
                summary, outcome = rng.choice(CONTACT_TOPICS)
            else:
                summary, outcome = "Tried to reach about new arrivals", "no answer"
            self.contact(c, day, channel, summary, outcome)
            day += timedelta(days=max(5, int(rng.gauss(every, every / 3))))

    def history(self, c: dict, kind: str, created: date) -> None:
        """Purchases and contacts for one customer, by behaviour type."""
        rng = self.rng
        favourite = rng.choice(("tea", "tea", "tea", "teaware", "gifts", "snacks"))
        wholesale = kind == "wholesale"
        first = created + timedelta(days=0 if rng.random() < 0.7 else rng.randint(1, 10))
        first = min(first, LAST_DAY)
        if kind == "prospect":
            self.contact(
                c, created, rng.choice(("visit", "wechat")), "First visit, tasted teas", "browsing"
            )
            self.chat(c, created, LAST_DAY, 60, answered=0.7)
            return
        gap, stop = {
            "loyal": (28, LAST_DAY),
            "wholesale": (45, LAST_DAY),
            "regular": (80, LAST_DAY),
            "slipping": (30, LAST_DAY - timedelta(days=rng.randint(75, 120))),
            "lapsed": (50, LAST_DAY - timedelta(days=rng.randint(190, 300))),
            # away for more than a year (lifecycle.churn_days), then back this autumn
            "winback": (45, LAST_DAY - timedelta(days=rng.randint(375, 400))),
            "one-time": (0, first),
        }[kind]
        day = first
        while True:  # at least one purchase, even when the customer came late
            self.buy(c, day, favourite, wholesale)
            day += timedelta(days=max(7, int(rng.gauss(gap, gap / 3)) if gap else 10**4))
            if day > stop:
                break
        last_buy = self.occasions[c["external_id"]][-1]
        if kind == "winback":
            back = REF - timedelta(days=rng.randint(3, 35))
            self.contact(c, back - timedelta(days=rng.randint(2, 6)), "wechat",
                         "Sent the new-season list with a coupon", "interested")  # fmt: skip
            self.buy(c, back, favourite, wholesale)
        if kind in ("loyal", "wholesale", "regular"):
            self.chat(c, created, LAST_DAY, 45 if kind != "regular" else 70)
        elif kind in ("slipping", "lapsed"):
            self.chat(c, created, last_buy, 60)
            self.chat(c, last_buy, LAST_DAY - timedelta(days=30), 50, answered=0.3)
        elif kind == "one-time" and rng.random() < 0.5:
            self.chat(c, first, min(LAST_DAY, first + timedelta(days=90)), 40, answered=0.5)

    # --- the whole shop -------------------------------------------------------------------
    def build(self) -> None:
        rng = self.rng
        kinds = (("loyal", 34), ("wholesale", 8), ("regular", 48), ("slipping", 14),
                 ("lapsed", 34), ("winback", 6), ("one-time", 40), ("prospect", 16))  # fmt: skip
        span = _days(FIRST_DAY, LAST_DAY - timedelta(days=5))
        for i in range(1, N_CUSTOMERS + 1):
            kind = _weighted(rng, kinds)
            if i == 3:
                kind = "loyal"  # the customer `custtrack demo` shows
            # lapsed and win-back customers must have started early enough to lapse
            if kind == "lapsed":
                created = FIRST_DAY + timedelta(days=rng.randint(0, 150))
            elif kind == "winback":
                created = FIRST_DAY + timedelta(days=rng.randint(0, 90))
            elif kind == "slipping":
                created = FIRST_DAY + timedelta(days=rng.randint(0, 300))
            else:
                # the book grows: later months bring more new customers
                created = FIRST_DAY + timedelta(days=int(span * rng.random() ** 0.8))
            if i == 3:
                created = FIRST_DAY + timedelta(days=12)
            c = self.person(i, created)
            c["_kind"] = kind
            if kind == "wholesale":
                c["company"] = rng.choice(COMPANIES)
                c["tags"] = ["wholesale", "corporate"]
                c["price_sensitivity"] = "medium"
            if c["_english"]:
                c["tags"].append("english")
            if i == 3:
                c.update(
                    city="杭州",
                    address="西湖区文三路88号3幢502室",
                    tags=["vip"],
                    price_sensitivity="low",
                    birthday=date(1978, 11, 24).isoformat(),
                    notes=NOTES[0],
                )
            self.customers.append(c)
            self.history(c, kind, created)
        self.tag_by_behaviour()
        self.birthdays()
        self.lost_and_archived()
        self.add_complaints()
        self.add_followups()

    def tag_by_behaviour(self) -> None:
        spend: dict[str, int] = {}
        lines: dict[str, list[str]] = {}
        for p in self.purchases:
            yuan, fen = p["amount"].split(".")
            ext = p["customer_external_id"]
            spend[ext] = spend.get(ext, 0) + int(yuan) * 100 + int(fen)
            lines.setdefault(ext, []).append(p["category"])
        top = sorted(spend, key=lambda e: (-spend[e], e))[:18]
        for c in self.customers:
            ext = c["external_id"]
            cats = lines.get(ext, [])
            if ext in top and "vip" not in c["tags"]:
                c["tags"].append("vip")
            if cats.count("gifts") >= 3:
                c["tags"].append("gift-buyer")
            if len(cats) >= 5 and cats.count("tea") / len(cats) >= 0.6:
                c["tags"].append("tea-lover")

    def birthdays(self) -> None:
        """A few birthdays around the reference date, so the due list has some to show."""
        near = (REF - timedelta(days=2), REF, REF + timedelta(days=2), REF + timedelta(days=5),
                REF + timedelta(days=12))  # fmt: skip
        picked = [
            c
            for c in self.customers
            if c["_kind"] in ("loyal", "regular") and c["external_id"] != "C0003"
        ][5:10]
        for c, day in zip(picked, near, strict=True):
            c["birthday"] = date(
                REF.year - self.rng.randint(25, 60), day.month, day.day
            ).isoformat()

    def lost_and_archived(self) -> None:
        lapsed = [c for c in self.customers if c["_kind"] == "lapsed"]
        reasons = (
            ("competitor", "Buys on Taobao now"),
            ("price", "Said our Longjing is too expensive"),
            ("other", "Moved to Chengdu"),
            ("quality", "Did not like the last batch"),
        )
        for c, (reason, note) in zip(lapsed[:4], reasons, strict=False):
            last = self.last_contact[c["external_id"]]
            c["lost_reason"], c["lost_note"] = reason, note
            c["lost_at"] = _stamp(last, time(18, 0))
        for c in lapsed[4:6]:
            c["status"] = "archived"
            c["notes"] = "Moved abroad; archived."

    def add_complaints(self) -> None:
        rng = self.rng
        buyers = [c for c in self.customers if c["status"] == "active" and c["_kind"] != "prospect"]
        chosen = rng.sample(buyers, len(COMPLAINTS) + 3)
        for i, c in enumerate(chosen):
            category, text, resolution = COMPLAINTS[i % len(COMPLAINTS)]
            last_buy = self.occasions[c["external_id"]][-1]
            open_ = i >= len(COMPLAINTS) - 1  # the last few are still open
            if open_:
                opened = REF - timedelta(days=(1, 3, 6, 12)[i - len(COMPLAINTS) + 1])
            else:
                opened = min(LAST_DAY, last_buy + timedelta(days=rng.randint(1, 5)))
            opened_at = datetime.combine(opened, _shop_time(rng, "wechat"))
            row = {
                "customer_external_id": c["external_id"],
                "opened_at": opened_at.strftime("%Y-%m-%d %H:%M"),
                "category": category,
                "priority": (
                    ("urgent", "high", "normal", "low")[i % 4]
                    if open_
                    else rng.choice(("normal", "normal", "high", "low"))
                ),
                "text": text,
                "assignee": rng.choice(STAFF),
                "status": "open" if open_ else "resolved",
                "resolution": "" if open_ else resolution,
                "resolved_at": "",
            }
            if not open_:
                # resolved within office hours, a few hours to three days later
                done_day = min(LAST_DAY, opened + timedelta(days=rng.randint(0, 3)))
                done = datetime.combine(done_day, time(rng.randint(10, 19), rng.randint(0, 59)))
                if done <= opened_at:
                    done = opened_at + timedelta(hours=2)
                row["resolved_at"] = done.strftime("%Y-%m-%d %H:%M")
            self.complaints.append(row)

    def add_followups(self) -> None:
        """Planned contacts: history (done, cancelled) and open ones around the reference date."""
        rng = self.rng
        active = [c for c in self.customers if c["status"] == "active"]
        # open ones are due after the customer's last contact (a contact would have closed them)
        plans = (
            [("overdue", REF - timedelta(days=d)) for d in (1, 3, 4, 8, 15)]
            + [("today", REF)] * 4
            + [("soon", REF + timedelta(days=d)) for d in (1, 2, 3, 5, 6, 7)]
            + [("later", REF + timedelta(days=d)) for d in (12, 18, 25, 33)]
        )
        showcase = self.customers[2]
        taken: list[str] = []
        for n, (_label, due) in enumerate(plans):
            if n == 5:
                c = showcase
            else:
                fits = [
                    c
                    for c in active
                    if self.last_contact.get(c["external_id"], REF) < due
                    and c["external_id"] not in taken
                    and c is not showcase
                ]
                c = rng.choice(fits)
            taken.append(c["external_id"])
            at = rng.choice(("", "", "10:30", "15:00")) if due >= REF else ""
            self.followups.append(
                self.followup_row(c, due, at, "open", rng.choice(FOLLOWUP_NOTES), "")
            )
        for _ in range(16):
            c = rng.choice(active)
            # within the last year: older follow-ups would not be planned any more
            since = _stamp(REF - timedelta(days=360), time(0, 0))
            contacts = [
                i
                for i in self.interactions
                if i["customer_external_id"] == c["external_id"] and i["at"] >= since
            ]
            if not contacts:
                continue
            contact = rng.choice(contacts)
            day = date.fromisoformat(contact["at"][:10])
            closed = contact["at"]
            status = "done" if rng.random() < 0.85 else "cancelled"
            self.followups.append(
                self.followup_row(c, day, "", status, rng.choice(FOLLOWUP_NOTES), closed)
            )

    def followup_row(
        self, c: dict, due: date, at: str, status: str, note: str, closed: str
    ) -> dict:
        created = due - timedelta(days=self.rng.randint(3, 30))
        created_day = max(created, date.fromisoformat(c["created_at"][:10]))
        return {
            "customer_external_id": c["external_id"],
            "due_date": due.isoformat(),
            "due_time": at,
            "channel": "email"
            if c["_english"]
            else self.rng.choice(("wechat", "wechat", "phone", "visit")),
            "note": note,
            "owner": c["owner"],
            "status": status,
            "origin": "manual",
            "priority": self.rng.choice(("normal", "normal", "normal", "high")),
            "created_at": _stamp(min(created_day, LAST_DAY), time(9, 0)),
            "closed_at": closed,
        }


FILES = {
    "customers.csv": (
        "customers",
        [
            "external_id",
            "name",
            "phone",
            "email",
            "wechat",
            "company",
            "address",
            "city",
            "birthday",
            "gender",
            "source",
            "owner",
            "price_sensitivity",
            "notes",
            "tags",
            "status",
            "created_at",
            "lost_reason",
            "lost_note",
            "lost_at",
        ],
    ),  # fmt: skip
    "interactions.csv": (
        "interactions",
        ["customer_external_id", "at", "channel", "summary", "outcome", "owner"],
    ),
    "purchases.csv": (
        "purchases",
        [
            "customer_external_id",
            "at",
            "product",
            "category",
            "qty",
            "amount",
            "currency",
            "order_ref",
        ],
    ),  # fmt: skip
    "feedback.csv": ("feedback", ["customer_external_id", "at", "csat", "nps", "text", "channel"]),
    "complaints.csv": (
        "complaints",
        [
            "customer_external_id",
            "opened_at",
            "category",
            "priority",
            "text",
            "assignee",
            "status",
            "resolution",
            "resolved_at",
        ],
    ),  # fmt: skip
    "followups.csv": (
        "followups",
        [
            "customer_external_id",
            "due_date",
            "due_time",
            "channel",
            "note",
            "owner",
            "status",
            "origin",
            "priority",
            "created_at",
            "closed_at",
        ],
    ),  # fmt: skip
    "campaigns.csv": (
        "campaigns",
        ["name", "source", "channel", "cost", "currency", "start", "end"],
    ),
}


def generate(out: Path) -> dict[str, int]:
    """Write every CSV file into `out`; returns the number of data rows per file."""
    shop = Shop()
    shop.build()
    shop.interactions.sort(key=lambda r: (r["at"], r["customer_external_id"]))
    shop.purchases.sort(key=lambda r: (r["at"], r["order_ref"]))
    shop.feedback.sort(key=lambda r: (r["at"], r["customer_external_id"]))
    shop.complaints.sort(key=lambda r: (r["opened_at"], r["customer_external_id"]))
    shop.followups.sort(key=lambda r: (r["due_date"], r["customer_external_id"]))
    for c in shop.customers:
        c["tags"] = ";".join(c["tags"])
    campaigns = [
        dict(zip(FILES["campaigns.csv"][1], (*row[:4], CURRENCY, *row[4:]), strict=True))
        for row in CAMPAIGNS
    ]
    tables = {
        "customers": shop.customers,
        "interactions": shop.interactions,
        "purchases": shop.purchases,
        "feedback": shop.feedback,
        "complaints": shop.complaints,
        "followups": shop.followups,
        "campaigns": campaigns,
    }
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for filename, (table, fields) in FILES.items():
        rows = tables[table]
        with (out / filename).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(
                fh, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(rows)
        counts[filename] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    counts = generate(args.out)
    print(", ".join(f"{n} {name}" for name, n in counts.items()), "->", args.out)


if __name__ == "__main__":
    main()
