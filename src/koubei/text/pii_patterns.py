"""Patterns, cue words and validators behind `koubei.text.pii` (the masker itself is there; numbers are in pii_numbers).

Everything here is matched against a *folded view* of the text (`fold`): same length as the text, so a match's
offsets are offsets into the original, with full-width ASCII turned half-width and odd spaces / zero-width characters
turned into plain separators. Text that was not normalized (a question typed into `koubei ask`) thus masks like text
that was.
"""

from __future__ import annotations

import re
from datetime import date

# ---------------------------------------------------------------------------------------------------- folded view
_FOLD_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD_TABLE.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20})
_FOLD_TABLE.update(
    {cp: 0x00AD for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)}
)  # invisible -> a separator
# Chinese punctuation that normalize_text keeps full-width (，！？：；（）) needs no folding: patterns accept both forms.
_NEEDS_FOLD = re.compile(
    "[\uff02-\uff07\uff0a\uff0b\uff0d-\uff19\uff1c-\uff5e\u3000\u00a0\u2007\u202f\u200b-\u200d\u2060\ufeff]"
)


def fold(text: str) -> str:
    """A same-length view of `text` for matching (see the module docstring)."""
    return text.translate(_FOLD_TABLE) if _NEEDS_FOLD.search(text) else text


# Cheap tests that rule a family of patterns out (most reviews have no digit run, '@', link or cue word at all):
# substring checks and simple searches, far cheaper than the patterns they guard. Each must accept every text
# its family can match.
HAS_DIGIT_RUN = re.compile(r"\d[\d \-.\u00ad\u2010-\u2013\u2212()]{3,}\d")  # 5+ digits in one run
HAS_CN_ADDRESS = re.compile(r"[路街道巷弄同村]\d+[号弄]")
HAS_EN_ADDRESS = re.compile(r"\d\s+[A-Z]")
HAS_CN_NAME_CUE = re.compile(
    r"我叫|我是|本人|名字|姓名|联系人|收货人|收件人|签收人|寄件人|持卡人|开户人|户名|客户|称呼"
)


def may_have_url(view: str) -> bool:
    return "://" in view or "www." in view or "WWW." in view


def may_have_spelled_email(view: str) -> bool:
    return (
        "#" in view
        or "(at" in view
        or "[at" in view
        or " at " in view
        or "(AT" in view
        or "[AT" in view
        or " AT " in view
    )


def may_have_wechat(view: str) -> bool:
    return (
        "信" in view or "x" in view or "X" in view or "hat" in view or "HAT" in view
    )  # 微信 V信 vx WX WeChat


def may_have_en_name(view: str) -> bool:
    return any(cue in view for cue in ("I'm", "I am", "ame", "all me", "Mr", "Ms", "Miss", "Mx", "Dr"))


def may_have_cn_address_cue(view: str) -> bool:
    return "地址" in view or "住址" in view


# ---------------------------------------------------------------------------------------------------- URL, e-mail
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、；！？）)\]}]+", re.IGNORECASE)
# Query parameters that carry a credential or a person's contact (whole names, so `?keyword=` is not `key`).
URL_SECRET_PARAM = re.compile(
    r"[?&#;](?:[a-z0-9]+[_-])?(?:access_?token|refresh_?token|id_?token|token|tk|jwt|session|session_?id|"
    r"session_?key|sessid|sessionid|jsessionid|phpsessid|sid|ssid|api_?key|app_?key|key|secret|client_?secret|auth|"
    r"auth_?code|auth_?token|authorization|password|passwd|pass|pwd|sig|signature|sign|ticket|otp|code|"
    r"verify_?code|uid|user_?id|openid|unionid|phone|mobile|tel|email|mail|idcard|id_?no)(?:[_-][a-z0-9]+)?=",
    re.IGNORECASE,
)
URL_USERINFO = re.compile(r"^[a-z]+://[^/@\s]+:[^/@\s]*@", re.IGNORECASE)
URL_SEGMENT = re.compile(
    r"[A-Za-z0-9]{16,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
URL_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_LONG_WORD = re.compile(r"[a-z]{5,}|[A-Z][a-z]{4,}")


def url_has_secret(url: str) -> bool:
    """A URL is personal data when it carries a credential: a secret query parameter, user:password@, a JWT, a UUID,
    or a path / value piece that looks random (16+ letters and digits in a row, mixing both, no readable word in it;
    `SV218Z2-I36_dia_zoom.gif` is a file name, not a token)."""
    if URL_SECRET_PARAM.search(url) or URL_USERINFO.search(url) or URL_JWT.search(url):
        return True
    for m in URL_SEGMENT.finditer(url):
        seg = m.group()
        digits = sum(ch.isdigit() for ch in seg)
        if 2 <= digits <= len(seg) - 2 and not _LONG_WORD.search(seg):
            return True
    return False


_MAIL_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# Letters/digits only on the outside: a CJK character right before or after an address is a word boundary.
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@" + _MAIL_DOMAIN + r"(?![A-Za-z0-9]|-[A-Za-z0-9])"
)
_PROVIDERS = r"(?:gmail|googlemail|qq|foxmail|163|126|yeah|139|189|sina|sohu|aliyun|hotmail|outlook|live|yahoo|icloud|proton(?:mail)?)"
# Spelled-out forms people use to dodge filters: a(at)b.com, a[at]b.com, a#qq.com, "a at gmail dot com".
EMAIL_OBFUSCATED = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+\s*(?:\(at\)|\[at\]|\s(?:at|AT)\s)\s*[A-Za-z0-9-]+"
    r"(?:\s*(?:\.|\(dot\)|\[dot\]|\s(?:dot|DOT)\s)\s*[A-Za-z0-9-]+)*\s*(?:\.|\(dot\)|\[dot\]|\s(?:dot|DOT)\s)\s*"
    r"(?:com|cn|net|org|edu|hk|tw|uk|io|me)(?![A-Za-z0-9-])"
    r"|(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+#" + _PROVIDERS + r"\.(?:com|cn|net)(?:\.cn)?(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
_AT_WORD = re.compile(r"\s(?:at|AT)\s")
_PROVIDER_WORD = re.compile(r"(?:at|AT)\s+" + _PROVIDERS + r"\b", re.IGNORECASE)


def spelled_email_ok(candidate: str) -> bool:
    """'x at y dot com' is only an e-mail when y is a mail provider ("look at this dot com" is not)."""
    return not _AT_WORD.search(candidate) or bool(_PROVIDER_WORD.search(candidate))


# ---------------------------------------------------------------------------------------------------- accounts
_WECHAT_WORDS = r"微信|薇信|威信|徽信|[Vv]信|VX|Vx|vX|vx|WX|Wx|wx|[Ww]e[Cc]hat|[Ww]eixin"
WECHAT_ID = re.compile(
    r"(?<![A-Za-z])(?P<cue>" + _WECHAT_WORDS + r")(?P<suffix>\s?(?:号|ID|id|账号))?"
    r"(?P<sep>\s*[:：]\s*|\s*(?:号?是|为|同号)\s*|\s*)(?P<id>[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9@])"
    r"|(?<![A-Za-z0-9])(?P<wxid>wxid_[A-Za-z0-9]{6,20})(?![A-Za-z0-9])"
)


def wechat_id_ok(cue: str, suffix: str, sep: str, account: str) -> bool:
    """A plain word after an ASCII cue ("WeChat payment", "wx widgets") is not an id unless 号 / a colon / 是 says so,
    or it has a digit, '_' or '-'; after 微信 / V信 an ASCII word is an id."""
    if suffix or re.search(r"[:：是为]", sep) or re.search(r"[\d_-]", account):
        return True
    return not cue.isascii()


# Cue words right before a number (matched at the end of the text before it, case-insensitive). A number after an
# order / tracking / device cue is not personal data, whatever its digits; one after an id, card, QQ, WeChat or
# phone cue is, even when its structure alone would not say so.
_CONNECT = r"[\s:：=#]*(?:是|为|号是|:)?[\s:：=#]*$"
ID_CUE = re.compile(
    r"(?:身份证|证件|身份号码|id\s*card|id\s*no\.?|identity\s*(?:card|number|no\.?))(?:号码?|编号|号)?"
    + _CONNECT,
    re.I,
)
CARD_CUE = re.compile(
    r"(?:银行卡|信用卡|储蓄卡|借记卡|卡号|银行账号|card\s*(?:number|no\.?|#))(?:号码?|号)?" + _CONNECT, re.I
)
QQ_CUE = re.compile(
    r"(?<![A-Za-z])(?:QQ|扣扣|企鹅|Q(?=号))(?:号码?|号)?(?:\s*(?:number|no\.?))?" + _CONNECT, re.I
)
WECHAT_CUE = re.compile(r"(?<![A-Za-z])(?:" + _WECHAT_WORDS + r")(?:号|ID|账号)?(?:同号)?" + _CONNECT, re.I)
PHONE_CUE = re.compile(
    r"(?<![A-Za-z])(?:手机|电话|座机|固话|热线|联系方式|联系(?:我|本人)?|致电|拨打|传真|call(?:\s+me)?(?:\s+(?:at|on))?|"
    r"phone|tel|mobile|cell|whatsapp|line|fax|text\s+me(?:\s+(?:at|on))?)(?:号码?|号)?(?:\s*(?:number|no\.?|#))?"
    + _CONNECT,
    re.I,
)
ORDER_CUE = re.compile(
    r"(?:订单|单号|运单|快递|物流|包裹|编号|型号|批号|批次|条码|条形码|货号|发票|交易|流水|工单|序列|串号|机身码|设备号|"
    r"顺丰|中通|圆通|申通|韵达|百世|邮政|极兔|德邦|IMEI\d?|MEID|IMSI|ICCID|(?-i:SN|S/N)|EMS|"
    r"(?<![A-Za-z])(?:sn|order|tracking|invoice|sku|model|serial|ref(?:erence)?|transaction|awb|item|no\.?)|#)"
    r"(?:\s*(?:号码?|编号|码|id|number|num|no\.?))?" + _CONNECT,
    re.I,
)

# ---------------------------------------------------------------------------------------------------- addresses
CN_ADDRESS = re.compile(
    r"(?:[\u4e00-\u9fa5]{2,7}?(?:省|自治区|市|区|县|镇|乡|街道)){1,4}"
    r"[\u4e00-\u9fa5\dA-Za-z]{0,12}?(?:路|街|道|巷|弄|胡同|大道|村)\d+(?:号|弄)"
    r"(?:[\u4e00-\u9fa5\dA-Za-z-]{0,10}?(?:栋|幢|座|楼|单元|室|号))*"
)
# Verbs that the lazy address pattern would otherwise swallow ("送到上海市..." masks from 上海).
ADDRESS_LEAD = re.compile(
    r"^(?:送到|寄到|发到|住在|送至|寄至|发往|寄往|拿去|拿到|送去|寄去|来自|家在|位于|地址|在|到|去)"
)
CN_ADDRESS_CUE = re.compile(
    r"(?:收货地址|收件地址|寄件地址|家庭住址|家庭地址|送货地址|详细地址|居住地址|现住址|住址|地址)\s*"
    r"(?P<link>[:：]|是|为|在)\s*[:：]?\s*(?P<value>[^\s，。,;；！!？?（(]{4,40})"
)
# "地址在..." mostly says where a shop or hotel is; only something with an address word in it counts there.
ADDRESS_WORD = re.compile(r"[省市区县镇乡村路街道巷弄号楼栋幢室苑园]|小区|大厦|广场|公寓|\d")
# After an address cue, a question or an instruction is not an address: "收货地址为什么改不了？", "地址是可以修改的".
NOT_AN_ADDRESS_START = re.compile(
    r"^(?:什么|为什么|为啥|啥|怎么|怎样|如何|哪|多少|几|是否|能否|可否|可不可以|能不能|会不会|是不是|有没有|可以|能|不|没|"
    r"无法|无效|已|还|也|就|才|又|再|被|要|需|应该|必须|得|错|对|正确|准确|一样|一致|一直|相同|跟|与|填|写|改|修改|更改|"
    r"变更|更新|选|默认|自动|系统|显示|提示|我|你|您|他|她|它|这个|那个|这里|那里|这边|那边|有|随便|任意|空|太远|"
    r"很|非常|挺|比较|好|偏|远|近|[A-Za-z])"
)
NOT_AN_ADDRESS_WORD = re.compile(
    r"什么|怎么|哪|吗|呢|为何|如何|多少|是否|能否|可否|填写|修改|更改|设置|选择|提供|确认|核对|显示|为准|准确|正确|错误|"
    r"不对|有误|可以|不能|无法|需要|请|一下|就|可|了|还|也|吧|啊|呀|的话|下载|网址|链接"
)
EN_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
    r"Way|Place|Pl|Terrace)\b\.?(?:,?\s*(?:Apt|Suite|Unit)\.?\s*#?\w+)?"
)

# ---------------------------------------------------------------------------------------------------- names
_CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪"
)
_CN_COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木|独孤|南宫|西门|轩辕|百里|呼延|闻人|澹台|"
    "公冶|宗政|濮阳|淳于|单于|太叔|申屠|仲孙|钟离|万俟"
)
_CN_NAME = (
    r"(?:(?:"
    + _CN_COMPOUND_SURNAMES
    + r")[\u4e00-\u9fa5]{1,2}?|["
    + _CN_SURNAMES
    + r"][\u4e00-\u9fa5]{1,2}?)"
)
_CN_NAME_END = (
    r"(?=[\s，。,.!！?？;；:：、（()~～]|$|先生|女士|小姐|同学|老师|[0-9]|电话|手机|联系|收|地址|身份证)"
)
CN_NAME_CUE = re.compile(
    r"(?:(?:真实姓名|姓名|联系人|收货人|收件人|签收人|寄件人|持卡人|开户人|户名|客户\s*[:：]|称呼\s*[:：])\s*[:：]?\s*|"
    r"我叫|本人叫|我的名字是|我的名字叫|我名字叫|名字叫|我姓名是)(" + _CN_NAME + r")" + _CN_NAME_END
)
# "我是" is followed far more often by a word than by a name, so only a name that ends the clause counts.
# A name in Latin letters after a Chinese cue ("收货人: Li Lei").
CN_CUE_LATIN_NAME = re.compile(
    r"(?:真实姓名|姓名|联系人|收货人|收件人|签收人|寄件人|持卡人|开户人|户名|客户|称呼)\s*[:：]?\s*"
    r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})\b"
)
CN_NAME_WOSHI = re.compile(r"(?:我是|本人是)(" + _CN_NAME + r")(?=[\s，。,.!！?？;；、~～]|$|先生|女士|小姐)")
# Words that begin with a surname character but are not names (the cue patterns would otherwise mask them).
_CN_NOT_NAMES_WORDS = (
    "王者 王牌 李子 张家 刘海 陈年 陈列 杨梅 黄金 黄色 黄牛 周末 周岁 周边 周到 周期 周年 周一 周二 周三 周四 周五 周六 "
    "周日 孙子 马上 马虎 马甲 马桶 朱红 胡乱 何必 何时 高手 高兴 高中 高级 高端 高档 高价 高考 高管 高个 高富 高温 郑重 "
    "谢谢 许多 许久 韩国 韩版 曾经 董事 于是 余额 叶子 程序 苏州 任何 任意 沈阳 钟点 钟爱 陆续 范围 金牌 金卡 金色 金属 "
    "金额 石头 夏天 夏季 付款 付费 付钱 方便 方面 方法 方式 方向 白领 白色 白天 白金 江苏 江西 江南 毛病 毛巾 毛衣 顾客 "
    "万能 万一 钱包 严重 严格 武汉 莫名 常客 常常 温州 温暖 康复 文艺 文件 牛人 安全 安心 安徽 齐全 易碎 乔迁 东方人 "
    "方便面 龙头 史上 黎明 贺卡 雷人 熊孩子 秦皇岛 邱比特 段子 潘多拉 孟加拉 江湖 吴江 杜绝 顾问 戴尔 向日葵 汤圆 施工 "
    "文具 牛奶 安静 易用 乔丹 伍德 庞大 颜色 颜值 倪 常用 温柔 康师傅"
)
CN_NOT_NAMES = frozenset(_CN_NOT_NAMES_WORDS.split())
EN_NAME_CUE = re.compile(
    r"(?:\b[Mm]y name is|\b[Mm]y name's|\b[Nn]ame\s*:|\bI'm|\bI am|\b[Cc]all me)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b"
)
EN_TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+([A-Z][a-z]+(?:[-'][A-Za-z]+)?(?:\s+[A-Z][a-z]+)?)\b"
)
# Capitalised words after "I'm" that are not names (Title-Case reviews, nationalities, feelings).
_EN_NOT_NAMES_WORDS = (
    "a an the so very not just really really happy glad sorry sure satisfied disappointed impressed pleased excited "
    "thrilled amazed upset angry sad tired done back here still also always never afraid totally extremely super "
    "quite pretty new old your no yes ok okay going using writing buying looking loving giving first single married "
    "vegan in on at from with for about over under out a chinese american english british canadian australian indian "
    "japanese korean french german italian spanish mexican russian brazilian dutch swiss irish scottish welsh thai "
    "vietnamese filipino muslim christian catholic jewish buddhist hindu mom dad one two definitely absolutely "
    "completely honestly seriously kind of sort giving trying thinking"
)
EN_NOT_NAMES = frozenset(_EN_NOT_NAMES_WORDS.split())
# Brands and characters that look like a title and a name.
_EN_TITLE_NOT_NAMES_WORDS = (
    "pepper clean muscle coffee potato bean martens scholl scholls oetker bronner bronners brandt jart dre sheen "
    "kipling freeze pibb proper right big men bubble pac meyer meyers butterworth butterworths dior sixty fix frosty "
    "noodle who strange robot beast olympia universe fresh t handy"
)
EN_TITLE_NOT_NAMES = frozenset(_EN_TITLE_NOT_NAMES_WORDS.split())


def en_name_ok(name: str, *, after_title: bool) -> bool:
    first = name.split()[0].lower().replace("'", "")
    if after_title:
        return first not in EN_TITLE_NOT_NAMES
    return first not in EN_NOT_NAMES and not first.endswith(("ing", "ed", "ly", "ful", "ous", "ive"))


def cn_name_ok(name: str) -> bool:
    return name not in CN_NOT_NAMES and name[:2] not in CN_NOT_NAMES and name[:3] not in CN_NOT_NAMES


# ---------------------------------------------------------------------------------------------------- validators
_PROVINCES_WORDS = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91"
_PROVINCES = frozenset(_PROVINCES_WORDS.split())
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def id18_ok(number: str) -> bool:
    """An 18-character Chinese resident ID (GB 11643): a province code, a real birth date, the check character."""
    if len(number) != 18 or number[:2] not in _PROVINCES or not number[:17].isdigit():
        return False
    if (
        not _date_ok(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        or not 1850 <= int(number[6:10]) <= 2099
    ):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def id15_ok(number: str) -> bool:
    """A 15-digit first-generation ID (before 1999): a province code and a real birth date (YYMMDD, 19YY)."""
    return (
        len(number) == 15
        and number.isdigit()
        and number[:2] in _PROVINCES
        and _date_ok(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    )


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """Issuer prefix and length of a payment card (15 digits is American Express only, so IMEIs are not cards)."""
    n = len(digits)
    if n == 15:
        return digits[:2] in ("34", "37")
    if n == 16 and "2221" <= digits[:4] <= "2720":
        return True
    return 16 <= n <= 19 and (digits[0] in "456" or digits[:2] == "35")


def looks_like_date(digits: str) -> bool:
    """YYYYMMDD (optionally followed by hhmm / hhmmss): a date written without separators, not a phone number."""
    return (
        len(digits) in (8, 12, 14)
        and digits[:2] in ("19", "20")
        and _date_ok(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    )
