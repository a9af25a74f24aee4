"""What customers say: words and phrases that recur in feedback and complaints, their trend, and
the sentiment of each text, in Chinese and English, offline.

Tokens: Chinese runs are cut by jieba's dictionary (no HMM guessing of new words, so a phrase
cuts the same way every time; `jieba` is the optional extra `[insight]`, imported on first use);
Latin text is lower-cased and split into words (don't, can't kept whole).

Sentiment is a lexicon method (SENTIMENT_METHOD says it in words): each sentiment word has a
weight (+1 good … −1 bad, ±2 strong); a degree word before it scales it (很/非常/very ×1.5 …,
有点/a bit ×0.6); a negator up to three tokens before it (不/没/没有/not/no/never/n't …) turns it
over at ×−0.75 (不太/not very: ×−0.5), so 不好 and "not good" are negative and 没有问题 and
"no complaints" positive; "too"/太 before a word with no weight of its own counts −1 (too
sweet). After 但是/但/不过/可是/but/however the weights count ×1.5 and before it ×0.5. Fixed
phrases (不错, 没问题, 再也不, "not bad", "no complaints", "couldn't be happier" …) are matched
first as they stand. The score is the sum; positive from +0.3, negative from −0.3, else neutral.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from ..i18n import C_, N_

if TYPE_CHECKING:
    import pandas as pd

THRESHOLD = 0.3
NEGATION = -0.75
WEAK_NEGATION = -0.5
NEGATION_WINDOW = 3
TOO = -1.0
BEFORE_BUT, AFTER_BUT = 0.5, 1.5

LABELS = (C_("sentiment", "positive"), C_("sentiment", "neutral"), C_("sentiment", "negative"))

SENTIMENT_METHOD = N_(
    "Sentiment is read with a word list (lexicon), offline. Each sentiment word has a weight "
    "(+1 good, −1 bad, ±2 strong); a degree word before it scales it (很, 非常, very ×1.5; 有点, "
    "a bit ×0.6); a negator up to three words before it (不, 没, 没有, not, no, never, n't) turns "
    "it over at ×−0.75 (不太, not very: ×−0.5), so 不好 and “not good” are negative and 没有问题 "
    "and “no complaints” positive; 太 or “too” before a word without a weight counts −1 (too "
    "sweet). After 但是, 不过, “but” or “however” words count ×1.5 and before it ×0.5. Fixed "
    "phrases (不错, 没问题, 再也不, “not bad”, “couldn't be happier”) count as they stand. A text "
    "is positive from a sum of +0.3, negative from −0.3, else neutral. Chinese is cut into words "
    "by jieba's dictionary, English into words at spaces and punctuation. On {n} hand-labelled "
    "shop sentences in Chinese and English that it was not tuned on, {accuracy} were right."
)
# what tests/test_themes.py measures on tests/data/sentiment_holdout.tsv (and asserts)
MEASURED = {"n": 40, "accuracy": "90%"}

# --- the lexicon ---------------------------------------------------------------------------------
_POSITIVE = {
    2.0: "wonderful excellent great perfect amazing fantastic awesome love loved lovely best "
    "delicious superb outstanding 完美 惊喜 超赞 优秀 棒 赞",
    1.0: "good nice beautiful happy pleased satisfied fresh fragrant smooth friendly kind patient "
    "helpful quick fast reliable recommend recommended cosy cozy tasty fair enjoy enjoyed thanks "
    "thank worth like liked glad polite professional prompt exceeded clean comfortable "
    "好 满意 喜欢 香 精美 精致 新鲜 热情 专业 周到 耐心 推荐 值得 放心 好吃 好喝 快 及时 温馨 "
    "醇厚 舒服 清亮 稳定 用心 实惠 划算 回购 档次 好评 贴心 漂亮 回甘 细心 开心 高兴 感谢 谢谢 "
    "精细 常来 方便 喜爱 干净 清香 顺滑 合适 足",
    0.5: "fine well explained helped answered fragrance aroma 持久 面子 还来 快捷 分量",
}
_NEGATIVE = {
    2.0: "terrible awful horrible worst disgusting useless rude 恶劣 垃圾 糟糕 难喝 难吃 后悔",
    1.0: "bad poor disappointed disappointing disappointment stale damaged broken broke cracked "
    "crushed dented late slow wrong missing expensive pricey overpriced weak bitter bitterness "
    "musty complaint complaints problem problems issue issues unhappy worse dirty leaked leaking "
    "moldy mouldy bland tasteless ignored sorry angry annoyed faulty defective smelly expired "
    "差 慢 贵 失望 破损 压坏 坏 裂纹 受潮 异味 杂质 麻烦 不符 淡 陈茶 碎末 划痕 瘪 晚 发错 少发 "
    "漏发 不理 问题 过期 发霉 脏 缺货 漏气 变质 苦涩 涩 不耐烦 敷衍 生气 难受 错 碎 裂 烂 霉",
    0.5: "wait waited waiting crowded dry noisy 久",
    0.25: "一般",
}
LEXICON: dict[str, float] = {
    **{w: weight for weight, words in _POSITIVE.items() for w in words.split()},
    **{w: -weight for weight, words in _NEGATIVE.items() for w in words.split()},
}
# fixed phrases, matched on the text as it stands (longest first), weights as they are
PHRASES: dict[str, float] = {
    "不错": 1.0, "没问题": 1.0, "没有问题": 1.0, "没毛病": 1.0, "还行": 0.5, "还好": 0.5,
    "还可以": 0.5, "一般般": -0.25, "下次还来": 1.0, "还会再来": 1.0, "会回购": 1.0, "五星": 1.0,
    "性价比高": 1.0, "性价比很高": 1.5, "性价比低": -1.0, "再也不": -1.5, "不会再买": -1.5,
    "等了很久": -1.0, "等了半天": -1.0, "没什么味道": -1.0, "没味道": -1.0, "没人回": -1.0,
    "没人理": -1.0, "没人接": -1.0, "不新鲜": -1.0, "名不副实": -1.5, "物有所值": 1.0,
    "not bad": 0.5, "no complaints": 1.0, "no complaint": 1.0, "no problem": 1.0,
    "no problems": 1.0, "no issues": 1.0, "can't complain": 1.0, "cannot complain": 1.0,
    "couldn't be happier": 2.0, "could not be happier": 2.0, "couldn't be better": 2.0,
    "could not be better": 2.0, "never again": -1.5, "not buy again": -1.5,
    "won't buy again": -1.5, "never buy again": -1.5, "not as shown": -1.0,
    "not as described": -1.0, "as described": 0.5, "not worth": -1.0, "no reply": -1.0,
    "no response": -1.0, "never got": -1.0, "never received": -1.0, "never arrived": -1.0,
    "never answered": -1.0, "had to wait": -1.0, "waste of money": -1.5, "rip off": -1.5,
    "rip-off": -1.5, "value for money": 1.0, "thank you": 1.0,
}  # fmt: skip
DEGREE = {
    "很": 1.5, "非常": 1.8, "特别": 1.8, "超": 1.8, "超级": 1.8, "十分": 1.8, "相当": 1.5,
    "挺": 1.2, "蛮": 1.2, "真": 1.3, "比较": 1.1, "最": 1.8, "极": 1.8, "更": 1.2, "太": 1.5,
    "有点": 0.6, "有些": 0.6, "稍微": 0.6, "略": 0.6, "一点": 0.6,
    "very": 1.5, "really": 1.5, "so": 1.5, "extremely": 1.8, "super": 1.5, "quite": 1.2,
    "too": 1.5, "bit": 0.6, "slightly": 0.6, "little": 0.6, "somewhat": 0.6,
    "definitely": 1.3, "absolutely": 1.6, "totally": 1.5, "incredibly": 1.8, "truly": 1.3,
}  # fmt: skip
TOO_WORDS = frozenset({"太", "too"})
NEGATORS = {
    "不": NEGATION, "没": NEGATION, "没有": NEGATION, "无": NEGATION, "未": NEGATION,
    "别": NEGATION, "不是": NEGATION, "不会": NEGATION, "并不": NEGATION, "从不": NEGATION,
    "不够": NEGATION, "没能": NEGATION, "毫无": NEGATION,
    "不太": WEAK_NEGATION, "不怎么": WEAK_NEGATION, "不是很": WEAK_NEGATION,
    "不大": WEAK_NEGATION,
    "not": NEGATION, "no": NEGATION, "never": NEGATION, "cannot": NEGATION,
    "without": NEGATION, "nothing": NEGATION, "nor": NEGATION, "nobody": NEGATION,
    "none": NEGATION, "neither": NEGATION, "hardly": WEAK_NEGATION,
    "barely": WEAK_NEGATION,
}  # fmt: skip
CONTRAST = frozenset({"但是", "但", "不过", "可是", "然而", "只是", "but", "however", "though"})
# prefixes a jieba word may carry in front of a lexicon word (很快 = 很 + 快, 不太甜 = 不太 + 甜)
_PREFIXES = sorted({*DEGREE, *NEGATORS, "也", "还", "都", "又"} - {"so", "no"}, key=len)[::-1]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_CLAUSE = re.compile(r"[，。！？；：,.!?;:\n…~～、]+")

# --- tokens --------------------------------------------------------------------------------------

_STOPWORDS = """
    a an the and or of to in on at for from with by as is are was were be been being am it its
    this that these those i me my we our you your he she they them their his her us do did does
    done have has had having will would can could should shall may might must just also very
    really so too quite bit little some any all more most much many than then there here what
    when where which who why how about again still only even ever one two three time times get
    got go went come came please thanks thank ok okay yes if but however though because while
    up down out over after before into again once s t don didn doesn isn wasn weren won wouldn
    couldn shouldn can't cannot not no never nothing
    的 了 是 我 你 他 她 它 们 我们 你们 他们 也 很 都 就 还 和 与 跟 及 在 有 没 没有 不 这 那 这个
    那个 这次 那次 一 一个 个 吧 啊 呢 吗 哦 呀 嗯 哈 被 把 给 让 又 再 才 已 已经 会 能 要 想 说 上
    下 里 到 去 来 次 时候 什么 怎么 还是 但是 但 就是 而且 因为 所以 如果 可以 一下 一些 有点 非常
    特别 太 挺 比较 真 最 更 得 地 着 过 等 从 对 为 人 东西 感觉 觉得 比 多 少 家 还有 后 前 中
"""
STOPWORDS = frozenset(_STOPWORDS.split())
# evaluative words too general to be a theme by themselves (they still make phrases)
_GENERIC = "good nice great bad ok okay fine well 好 不错 满意 一般 很好 差 喜欢 like love"
GENERIC = frozenset(_GENERIC.split())


@cache
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict…" lines are not for users
    for word in (*LEXICON, *NEGATORS, *DEGREE):  # kept whole: 少发, 难喝, 不太
        if len(word) > 1 and _CJK.fullmatch(word):
            jieba.add_word(word)
    return jieba


def _split_word(word: str) -> list[str]:
    """A jieba word as lexicon tokens: 很快 → 很 快, 不太甜 → 不太 甜, 服务周到 → 服务 周到."""
    if word in LEXICON or word in NEGATORS or word in DEGREE or len(word) < 2:
        return [word]
    for p in _PREFIXES:
        if word.startswith(p) and len(word) > len(p):
            return [p, *_split_word(word[len(p) :])]
    for n in range(len(word) - 1, 0, -1):
        if word[-n:] in LEXICON and n >= 2:
            return [word[:-n], word[-n:]]
    return [word]


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(text or "") if c.strip()]


def tokens(clause: str, split: bool = True) -> list[str]:
    """The words of one clause: Chinese by jieba (split: lexicon prefixes apart), Latin words
    lower-cased."""
    out: list[str] = []
    pos = 0
    lower = clause.lower()
    for m in _CJK.finditer(lower):
        out.extend(_WORD.findall(lower[pos : m.start()]))
        for w in _jieba().lcut(m.group(), HMM=False):
            out.extend(_split_word(w) if split else [w])
        pos = m.end()
    out.extend(_WORD.findall(lower[pos:]))
    return [t.replace("’", "'") for t in out]


def _english_negation(token: str) -> bool:
    return token.endswith("n't") or token in ("cant", "dont", "didnt", "wont", "isnt", "wasnt")


# --- sentiment -----------------------------------------------------------------------------------


def sentiment(text: str | None) -> float:
    """The lexicon score of a text (see the module docstring); 0 for no text."""
    total = 0.0
    for clause in clauses(text or ""):
        total += _clause_score(clause)
    return total


def label(score: float) -> str:
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"


def _clause_score(clause: str) -> float:
    low = clause.lower().replace("’", "'")
    parts: list[tuple[int, float]] = []  # (position in the clause, weight) of the fixed phrases
    for phrase in sorted(PHRASES, key=len, reverse=True):
        start = low.find(phrase)
        while start >= 0:
            parts.append((start, PHRASES[phrase]))
            low = low[:start] + " " * len(phrase) + low[start + len(phrase) :]
            start = low.find(phrase)
    scores: list[tuple[int, float]] = list(parts)
    # each token with its position, so phrases and words can be ordered around a "but"
    pos = 0
    factor, negation, negation_age, too = 1.0, 0.0, 0, False
    for tok in tokens(low):
        at = low.find(tok, pos)
        pos = at + len(tok) if at >= 0 else pos
        if tok in CONTRAST:
            scores.append((pos, math.nan))  # a marker: weights before and after it
            factor, negation, too = 1.0, 0.0, False
            continue
        if tok in NEGATORS or _english_negation(tok):
            negation, negation_age = NEGATORS.get(tok, NEGATION), 0
            continue
        if tok in DEGREE:
            factor *= DEGREE[tok]
            too = too or tok in TOO_WORDS
            continue
        weight = LEXICON.get(tok)
        if weight is None:
            if too and tok not in STOPWORDS:
                scores.append((pos, 0.0 if negation else TOO))
                factor, too, negation = 1.0, False, 0.0
            negation_age += 1
            if negation_age > NEGATION_WINDOW:
                negation = 0.0
            continue
        value = weight * factor
        if negation:
            value *= negation
        scores.append((pos, value))
        factor, negation, too = 1.0, 0.0, False
    scores.sort(key=lambda s: s[0])
    marks = [i for i, (_, v) in enumerate(scores) if math.isnan(v)]
    if not marks:
        return sum(v for _, v in scores)
    cut = marks[-1]
    before = sum(v for _, v in scores[:cut] if not math.isnan(v))
    after = sum(v for _, v in scores[cut + 1 :])
    return BEFORE_BUT * before + AFTER_BUT * after


# --- themes --------------------------------------------------------------------------------------


def terms(text: str | None) -> set[str]:
    """The theme candidates of a text: content words and pairs of adjacent content words
    (phrases: 发货慢, "gift box"), each once."""
    found: set[str] = set()
    for clause in clauses(text or ""):
        words = [
            t for t in tokens(clause, split=False)
            if t not in STOPWORDS and t not in NEGATORS and t not in DEGREE and not t.isdigit()
            and (len(t) > 1 or _CJK.fullmatch(t))
        ]  # fmt: skip
        found.update(w for w in words if w not in GENERIC and (len(w) > 2 or _CJK.match(w)))
        for a, b in zip(words, words[1:], strict=False):
            joined = a + b if _CJK.match(a) and _CJK.match(b) else f"{a} {b}"
            found.add(joined)
    return found


def theme_index(texts: Iterable[str | None]) -> dict[str, set[int]]:
    """For each theme candidate, the positions of the texts it occurs in."""
    index: dict[str, set[int]] = {}
    for i, text in enumerate(texts):
        for term in terms(text):
            index.setdefault(term, set()).add(i)
    return index


def theme_counts(texts: Iterable[str | None]) -> Counter:
    """In how many texts each theme candidate occurs."""
    return Counter({t: len(found) for t, found in theme_index(texts).items()})


def top_themes(
    found: dict[str, set[int]] | Counter, limit: int, min_count: int = 2
) -> list[tuple[str, int]]:
    """The most frequent themes. A word is left out when a phrase containing it is as frequent
    (gift box 13 says all that gift 13 and box 13 would); given the texts of each theme (a
    theme_index), of themes found in exactly the same texts only the longest is kept (one
    sentence repeated: 包装精美, not also 茶 and 香)."""
    sets = found if not isinstance(found, Counter) else None
    counts = {t: len(v) for t, v in sets.items()} if sets is not None else dict(found)
    kept = [(t, n) for t, n in counts.items() if n >= min_count]
    phrases = [(t, n) for t, n in kept if _is_phrase(t)]
    out = []
    for term, n in kept:
        if not _is_phrase(term) and any(n == m and _contains(p, term) for p, m in phrases):
            continue
        out.append((term, n))
    if sets is not None:
        best: dict[frozenset, str] = {}
        for term, _n in out:
            key = frozenset(sets[term])
            if key not in best or (len(term), best[key]) > (len(best[key]), term):
                best[key] = term
        out = [(t, n) for t, n in out if best[frozenset(sets[t])] == t]
    out.sort(key=lambda tn: (-tn[1], not _is_phrase(tn[0]), tn[0]))
    return out[:limit] if limit else out


def _is_phrase(term: str) -> bool:
    return " " in term or (bool(_CJK.fullmatch(term)) and len(_jieba().lcut(term, HMM=False)) > 1)


def _contains(phrase: str, word: str) -> bool:
    if " " in phrase:
        return word in phrase.split(" ")
    return word in phrase


def contains(text: str | None, term: str) -> bool:
    return term in terms(text)


# --- periods and growth --------------------------------------------------------------------------


def per_period(days: pd.Series, bounds: list[tuple]) -> list[int]:
    """How many of the days fall in each period (label, start, end inclusive)."""
    return [int(((days >= start) & (days <= end)).sum()) for _, start, end in bounds]


def growing(counts: list[int], bounds: list[tuple], before: int = 3, least: int = 3) -> bool:
    """Whether the last period's count grows: at least `least`, and at a daily rate at least 1.5
    times that of the `before` periods ahead of it (the last period may be partial: it is
    compared per day)."""
    if len(counts) < 2 or counts[-1] < least:
        return False
    prev = bounds[-1 - before : -1] if len(bounds) > before else bounds[:-1]
    n_prev = counts[-1 - len(prev) : -1]
    days_now = (bounds[-1][2] - bounds[-1][1]).days + 1
    days_before = sum((end - start).days + 1 for _, start, end in prev)
    if not days_before:
        return False
    rate_before = sum(n_prev) / days_before
    return counts[-1] / days_now >= 1.5 * rate_before and counts[-1] > sum(n_prev) / len(prev)


def category_growth(
    complaints: pd.DataFrame, bounds: list[tuple], day: str = "opened_day"
) -> list[dict[str, Any]]:
    """Per complaint category opened in these periods (local day in column `day`): counts per
    period, the mean per period before the last, and whether it grows (see `growing`)."""
    out = []
    before = bounds[-4:-1]
    for cat in sorted(set(complaints["category"].dropna())):
        days = complaints.loc[complaints["category"] == cat, day]
        counts = per_period(days, bounds)
        if not any(counts):
            continue
        prev = counts[-1 - len(before) : -1] if before else []
        out.append(
            {
                "category": cat,
                "trend": counts,
                "now": counts[-1],
                "before_mean": sum(prev) / len(prev) if prev else None,
                "growing": growing(counts, bounds),
            }
        )
    return out
