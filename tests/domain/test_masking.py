"""Masking of personal data in free text (public outputs, logs) and public addresses: tables of
the spellings people write, what must be masked and what must stay as written."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain.masking import mask_location, mask_text, public_address

# (as written, the number it spells): each must come out without that number.
MUST_MASK: list[tuple[str, str]] = [
    # 手机
    ("13800001111", "13800001111"),
    ("请回电13800001111谢谢", "13800001111"),
    ("手机:13800001111。", "13800001111"),
    ("138-0000-1111", "13800001111"),
    ("138 0000 1111", "13800001111"),
    ("1380 000 1111", "13800001111"),
    ("138.0000.1111", "13800001111"),
    ("138/0000/1111", "13800001111"),
    ("138 - 0000 - 1111", "13800001111"),
    ("138—0000—1111", "13800001111"),
    ("138–0000–1111", "13800001111"),
    ("138~0000~1111", "13800001111"),
    ("1 3 8 0 0 0 0 1 1 1 1", "13800001111"),
    ("１３８００００１１１１", "13800001111"),
    ("１３８－００００－１１１１", "13800001111"),
    ("１３８　００００　１１１１", "13800001111"),
    ("一三八〇〇〇〇一一一一", "13800001111"),
    ("幺三八零零零零幺幺幺幺", "13800001111"),
    ("一三八 0000 1111", "13800001111"),
    ("联系人一13800001111", "13800001111"),
    ("+86 13800001111", "13800001111"),
    ("+86-138-0000-1111", "13800001111"),
    ("+8613800001111", "13800001111"),
    ("＋８６ １３８ ００００ １１１１", "13800001111"),
    ("008613800001111", "13800001111"),
    ("0086 138 0000 1111", "13800001111"),
    ("86-13800001111", "13800001111"),
    ("(+86) 138 0000 1111", "13800001111"),
    ("tel:+86-199-8765-4321", "19987654321"),
    ("两个号码13800001111和13911112222", "13911112222"),
    ("138 0000 1111转2", "13800001111"),
    # 座机
    ("010-65123456", "65123456"),
    ("010 6512 3456", "65123456"),
    ("(010) 6512 3456", "65123456"),
    ("（010）65123456", "65123456"),
    ("０１０－６５１２３４５６", "65123456"),
    ("0755-8888 6666", "88886666"),
    ("0755-88886666-123", "88886666"),
    ("0755-88886666转123", "88886666"),
    ("0755 8888 6666 ext. 12", "88886666"),
    ("0571-8765432", "8765432"),
    ("+86 10 6512 3456", "65123456"),
    ("+86-755-8888-6666", "88886666"),
    ("0086 755 88886666", "88886666"),
    ("电话：65123456", "65123456"),
    ("座机 6512-3456", "65123456"),
    ("联系方式是8765 4321", "87654321"),
    # 居民身份证号
    ("110101199003071234", "110101199003071234"),
    ("11010119900307123X", "11010119900307123X"),
    ("身份证11010119900307123x。", "11010119900307123x"),
    ("110101 19900307 123X", "11010119900307123X"),
    ("110101-19900307-123X", "11010119900307123X"),
    ("110101 1990 0307 123X", "11010119900307123X"),
    ("1101 0119 9003 0712 3X", "11010119900307123X"),
    ("110101.19900307.123X", "11010119900307123X"),
    ("１１０１０１１９９００３０７１２３Ｘ", "11010119900307123X"),
    ("110101900307123", "110101900307123"),
    ("110101 900307 123", "110101900307123"),
    # 银行卡
    ("6222021234567890123", "6222021234567890123"),
    ("6222 0212 3456 7890 123", "6222021234567890123"),
    ("6222-0212-3456-7890", "6222021234567890"),
    # 房号 in free text
    ("我住幸福家园16栋3085室", "3085"),
    ("5号楼2单元301", "301"),
    ("3-2-301", "301"),
    ("16栋3085", "3085"),
]
MUST_MASK_EMAIL = [
    "zhang.san@example.com",
    "联系邮箱 zhangsan@qq.com 谢谢",
    "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
]
# Numbers people write that are nobody's personal data: each stays exactly as written.
MUST_KEEP = [
    "工单2026112700001",  # our order numbers: YYYYMMDD and five digits
    "20261127000012",
    "督办单XS202611270001",  # supervision case numbers
    "12345-2026-0001",
    "12345热线",
    "2026年",
    "1990年代",
    "3000元",
    "15000.50元",
    "1,380,000元",
    "￥12,345.67",
    "2026-11-27",
    "2026/11/27",
    "2026.11.27",
    "2026年11月27日 14:30",
    "2026-11-27 至 2026-12-01",
    "20261127-20261201",
    "14:30-18:00",
    "幸福家园16栋",
    "5号楼2单元",
    "和平路12-3号",
    "100000",  # postal code
    "京A12345",
    "第3次",
    "90%",
    "39.9042, 116.4074",
    "长1.5米，80分贝",
    "110",
    "12315",
    "95598",
    "400-810-8888",
    "800-820-8820",
    "0755",
    "验证码1234",
    "1、2、3、4、5、6",
    "共13800户",
    "13路公交",
    "2号线",
    "夜间施工噪音扰民",
    "ISBN 978-7-111-54742-6",
    "京A·12345",
    "20:00-06:00",
    "2026-11-27 08:00:00",
    "噪音超过60分贝，已持续3个月",
    "查询码2026112700001-7KQ2M-XP4RA-93HDW",  # tracking codes
    "2026112700001-1a2b3c",
    '"GET /open311/v2/requests/2026112700001.json HTTP/1.1" 200 1234',  # a log line
    "192.168.100.123",
    "金额为13800元",
    "1390元/月",
    "GB 3096-2008",
    "",
]


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit() or c in "Xx")


def _chinese(text: str) -> str:
    return text.translate(str.maketrans("〇零一二三四五六七八九幺", "001234567891"))


@pytest.mark.parametrize(("written", "number"), MUST_MASK)
def test_each_spelling_of_a_number_is_masked(written: str, number: str) -> None:
    masked = mask_text(written)
    assert "*" in masked
    assert number.lower() not in _digits(_chinese(masked)).lower()
    # Only the number's middle goes: the text around it and its separators stay.
    assert len(masked) == len(written)


@pytest.mark.parametrize("written", MUST_MASK_EMAIL)
def test_email_addresses_are_masked(written: str) -> None:
    masked = mask_text(written)
    user = unicodedata.normalize("NFKC", written).split("@")[0].split()[-1]
    assert user not in unicodedata.normalize("NFKC", masked)
    assert "***" in masked


@pytest.mark.parametrize("written", MUST_KEEP)
def test_ordinary_numbers_stay_as_written(written: str) -> None:
    assert mask_text(written) == written


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("请回电13800001111谢谢", "请回电138****1111谢谢"),
        ("138-0000-1111", "138-****-1111"),
        ("１３８００００１１１１", "１３８****１１１１"),
        ("+86 138 0000 1111", "+86 138 **** 1111"),
        ("(010) 6512 3456", "(010) **** 3456"),
        ("0755-88886666转123", "0755-****6666转123"),
        ("110101 19900307 123X", "110101 ******** 123X"),
        ("110101900307123", "110101******123"),
        ("zhang.san@example.com", "z***@example.com"),
        ("我住幸福家园16栋3085室", "我住幸福家园16栋****室"),
    ],
)
def test_the_masked_form_keeps_the_spelling(written: str, masked: str) -> None:
    assert mask_text(written) == masked


PUBLIC_ADDRESSES = [
    ("幸福家园16栋3085室", "幸福家园16栋"),
    ("A市和平路88号幸福家园16栋3085室", "A市和平路88号幸福家园16栋"),
    ("5号楼2单元301", "5号楼"),
    ("幸福家园5号楼2单元301室", "幸福家园5号楼"),
    ("幸福家园3-2-301", "幸福家园3号楼"),
    ("幸福家园3-2-301室", "幸福家园3号楼"),
    ("幸福家园16-3085", "幸福家园16号楼"),
    ("和平路12号301室", "和平路12号"),
    ("和平路88号3单元", "和平路88号"),
    ("幸福家园2单元301", "幸福家园"),
    ("16号院3号楼2单元502", "16号院3号楼"),
    ("望京SOHO A座1502", "望京SOHO A座"),
    ("三号楼二单元", "三号楼"),
    ("万达广场3楼", "万达广场"),
    ("幸福家园１６栋３０８５室", "幸福家园１６栋"),
    ("幸福家园16幢 2单元", "幸福家园16幢"),
    # Already public: kept as written.
    ("和平里小区北门", "和平里小区北门"),
    ("和平路12-3号", "和平路12-3号"),
    ("和平路与建设路交叉口", "和平路与建设路交叉口"),
    ("幸福家园16栋", "幸福家园16栋"),
    ("人民医院门诊楼", "人民医院门诊楼"),
    ("", ""),
]


@pytest.mark.parametrize(("address", "public"), PUBLIC_ADDRESSES)
def test_public_addresses_are_cut_to_the_building(address: str, public: str) -> None:
    assert public_address(address) == public


def test_a_public_location_is_cut_and_masked() -> None:
    assert mask_location("幸福家园16栋3085室 电话13800001111") == "幸福家园16栋"
    assert mask_location("和平路口，联系138-0000-1111") == "和平路口，联系138-****-1111"


# -- generated spellings of mobile numbers ------------------------------------------------------

SEPARATORS = [" ", "-", ".", "/", "－", "　", "．", "—", " - ", "  "]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE = str.maketrans("0123456789", "〇一二三四五六七八九")
PREFIXES = ["", "+86", "+86 ", "+86-", "0086", "0086 ", "86-", "(+86)", "＋８６"]
FILLER = st.text(alphabet=st.sampled_from("请回电谢谢我的手机号是，。：:()（） abc"), max_size=8)


@st.composite
def phone_spellings(draw: st.DrawFn) -> tuple[str, str]:
    number = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    spelled = number[0]
    for digit in number[1:]:
        if draw(st.booleans()):
            spelled += draw(st.sampled_from(SEPARATORS))
        spelled += digit
    spelled = spelled.translate(draw(st.sampled_from([{}, FULL_WIDTH, CHINESE])))
    return draw(st.sampled_from(PREFIXES)) + spelled, number


@given(before=FILLER, phone=phone_spellings(), after=FILLER)
def test_no_generated_phone_spelling_leaks(before: str, phone: tuple[str, str], after: str) -> None:
    spelled, number = phone
    masked = mask_text(before + spelled + after)
    flat = re.sub(r"[\s\-./—－　．]", "", unicodedata.normalize("NFKC", _chinese(masked)))
    assert not re.search(r"[0-9]{11}", flat), masked
    assert number not in flat


@pytest.mark.parametrize("unit", ["1-", "1 ", "1", "a.", "x@", "电话1 - ", "16栋", "１－", "一"])
def test_long_hostile_texts_are_masked_in_linear_time(unit: str) -> None:
    """A citizen's text is masked on every public read: 100,000 characters built to make a
    backtracking pattern quadratic still take well under a second (minutes if it were)."""
    text = unit * (100_000 // len(unit))
    started = time.perf_counter()
    mask_text(text)
    public_address(text)
    assert time.perf_counter() - started < 5
