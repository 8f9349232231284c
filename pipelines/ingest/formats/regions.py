"""Chinese province names (as written in addresses) to ISO 3166-2:CN codes (CN-ZJ ...)."""

from __future__ import annotations

import polars as pl

PROVINCE_CODES: dict[str, str] = {
    "北京": "CN-BJ",
    "天津": "CN-TJ",
    "河北": "CN-HE",
    "山西": "CN-SX",
    "内蒙古": "CN-NM",
    "辽宁": "CN-LN",
    "吉林": "CN-JL",
    "黑龙江": "CN-HL",
    "上海": "CN-SH",
    "江苏": "CN-JS",
    "浙江": "CN-ZJ",
    "安徽": "CN-AH",
    "福建": "CN-FJ",
    "江西": "CN-JX",
    "山东": "CN-SD",
    "河南": "CN-HA",
    "湖北": "CN-HB",
    "湖南": "CN-HN",
    "广东": "CN-GD",
    "广西": "CN-GX",
    "海南": "CN-HI",
    "重庆": "CN-CQ",
    "四川": "CN-SC",
    "贵州": "CN-GZ",
    "云南": "CN-YN",
    "西藏": "CN-XZ",
    "陕西": "CN-SN",
    "甘肃": "CN-GS",
    "青海": "CN-QH",
    "宁夏": "CN-NX",
    "新疆": "CN-XJ",
    "台湾": "CN-TW",
    "香港": "CN-HK",
    "澳门": "CN-MO",
}


def province_code(address: pl.Expr) -> pl.Expr:
    """The ISO code of the province an address starts with; the first word itself if unknown."""
    first = address.str.strip_chars().str.split(" ").list.first()
    short = (
        pl.when(first.str.starts_with("内蒙古") | first.str.starts_with("黑龙江"))
        .then(first.str.slice(0, 3))
        .otherwise(first.str.slice(0, 2))
    )
    return short.replace_strict(PROVINCE_CODES, default=first, return_dtype=pl.String)
