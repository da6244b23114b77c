"""PII masking on realistic Chinese and English review / service text, and no false positives on numbers."""

from __future__ import annotations

import pytest

from koubei.text import mask_pii, normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("快递员态度差，我的电话13812345678一直没人打", "快递员态度差，我的电话<PHONE>一直没人打"),
        ("有问题请联系 +86 138-1234-5678，谢谢", "有问题请联系 <PHONE>，谢谢"),
        ("客服座机 010-62345678 转 8", "客服座机 <PHONE> 转 8"),
        ("发票寄到 zhang.san@example.com 就行", "发票寄到 <EMAIL> 就行"),
        ("实名认证用的身份证11010519491231002X", "实名认证用的身份证<ID>"),
        ("退款打到卡号6222020200001234562吧", "退款打到卡号<CARD>吧"),
        ("Call me at (555) 123-4567 if it breaks again", "Call me at <PHONE> if it breaks again"),
        ("Ship to 221 Baker Street please", "Ship to <ADDRESS> please"),
        ("My name is John Smith and the blender died", "My name is <NAME> and the blender died"),
        ("收货人：张伟，地址：北京市朝阳区建国路88号SOHO现代城5号楼1201室", "收货人：<NAME>，地址：<ADDRESS>"),
        ("送到上海市浦东新区世纪大道100号，放门口", "送到<ADDRESS>，放门口"),
        ("see https://shop.example.com/order?id=9&token=a8f9e2b1c3 for details", "see <URL> for details"),
        ("我叫李娜，买了两件", "我叫<NAME>，买了两件"),
        ("ｍａｉｌ：ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ", "mail：<EMAIL>"),
    ],
)
def test_masks_personal_data(text: str, expected: str) -> None:
    assert mask_pii(normalize_text(text)).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "价格13800元，比实体店便宜",
        "原价¥13812345678? 不可能，实付¥1299.00",
        "订单号 202311281234567890 还没发货",
        "快递单号75312345678901，三天才到",
        "型号 13800138000 的配件",
        "2023-11-28 下单，11月30日到货，评分4.8",
        "买了3件共计1,299.99元，优惠了200块",
        "Paid $1,299.99 on 2023-11-28, order #112-3456789-1234567",
        "电池 5000mAh，充电 30 分钟到 80%",
        "It weighs 13.5 lbs and is 120 cm tall",
        "订单号4352628100000011 已取消",  # a Luhn-valid number after an order label
        "外观不错，手感很好，物流也快",
        "https://shop.example.com/p/12345 这个链接的同款",
    ],
)
def test_leaves_prices_orders_and_plain_text_alone(text: str) -> None:
    normalized = normalize_text(text)
    assert mask_pii(normalized).text == normalized


def test_spans_point_into_the_original_text() -> None:
    text = "电话13812345678 邮箱 a@b.cn"
    result = mask_pii(text)
    assert [(s.kind, text[s.start : s.end]) for s in result.spans] == [
        ("phone", "13812345678"),
        ("email", "a@b.cn"),
    ]


def test_id_number_needs_a_valid_checksum() -> None:
    assert mask_pii("号码110105194912310021").text == "号码110105194912310021"  # wrong check digit
    assert mask_pii("号码11010519491231002X").text == "号码<ID>"


def test_bank_card_needs_luhn() -> None:
    assert mask_pii("卡 6222020200001234560").text == "卡 6222020200001234560"
    assert mask_pii("卡 6222 0202 0000 1234 562").text == "卡 <CARD>"
