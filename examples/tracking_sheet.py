"""Write examples/tracking-sheet.xlsx: a customer tracking sheet as a shop keeps it in Excel or WPS.

    python examples/tracking_sheet.py

A merged title and a note above a two-row header (客户信息 / 跟进情况 / 下次跟进 / 成交), phones
as numbers, dates as date cells, as text and as an Excel serial, money as ¥ text, a 合计 row and
a signature line, and a second sheet of notes: what `custtrack import sheet` reads as it is.
"""

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HEADER = ["序号", "姓名", "手机", "性别", "城市", "日期", "方式", "内容", "日期", "内容",
          "成交金额", "产品", "备注"]  # fmt: skip
GROUPS = {"客户信息": "B3:E3", "跟进情况": "F3:H3", "下次跟进": "I3:J3", "成交": "K3:L3"}
ROWS = [
    ["王芳", 13805712345, "女", "杭州", datetime(2026, 11, 2), "微信", "问今年的明前龙井",
     datetime(2026, 11, 23, 10, 0), "发价目表", "¥1,280.00", "西湖龙井 250g", "老客户"],
    ["李雷", 13957154321, "男", "杭州", "2026/11/5", "电话", "要给公司订中秋礼盒",
     "2026/11/26", "报礼盒价", None, None, None],
    ["陈静", "139-5878-1234", "女", "上海", 46335, "上门拜访", "试喝了白茶", None, None, "680元",
     "安吉白茶", "喜欢淡一点的"],
    ["张伟", "13666612345", "男", "宁波", "2026年11月12日", "到店", "买了茶具", "2026-12-10",
     "问茶具是否好用", "1,560.00", "汝窑茶具", None],
    ["刘洋", 15867123456, "男", "杭州", datetime(2026, 11, 15), "短信", "发了新品通知", None, None,
     None, None, "价格敏感"],
    ["赵敏", 18857198765, "女", "苏州", datetime(2026, 11, 18, 16, 30), "视频", "看了茶园直播",
     "下周一", "约到店", None, None, None],
]  # fmt: skip


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户追踪"
    ws["A1"] = "西湖茶庄 客户追踪表（2026年11月）"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A1:{chr(64 + len(HEADER))}1")
    ws["A2"] = "说明：每次联系后填写；下次跟进日期到了请提醒负责人"
    ws.append(["序号", *[None] * (len(HEADER) - 2), "备注"])
    for name, cells in GROUPS.items():
        ws[cells.split(":")[0]] = name
        ws.merge_cells(cells)
    ws.merge_cells("A3:A4")
    ws.merge_cells("M3:M4")
    ws.append([None, *HEADER[1:-1], None])
    for i, row in enumerate(ROWS, start=1):
        ws.append([i, *row])
    for cell in ws["F"][4:]:
        cell.number_format = "yyyy-mm-dd"
    ws.append(["合计", None, None, None, None, None, None, None, None, None, 3520])
    ws.append(["制表人：王店长    审核：林会计"])
    notes = wb.create_sheet("填表说明")
    notes.append(["方式填：电话、微信、上门拜访、到店、短信、视频"])
    wb.save(Path(__file__).with_name("tracking-sheet.xlsx"))


if __name__ == "__main__":
    main()
