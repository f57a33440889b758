"""Generate the example workbooks in questionnaires/examples/ (fictional firms).

Each example is made THROUGH the template (``write_template``) and filled only in the named
answer cells, so the examples can never drift from the definition: rerun this script after
changing export-readiness.yaml.

    python scripts/make_examples.py [OUT_DIR]

The firms, names and 統一編號 are invented (the numbers satisfy the checksum but are not
looked up); readiness levels per dimension (0–1) shape the scored answers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from exportkit.questionnaire import FIRM_QUESTIONNAIRE, load_definition
from exportkit.questionnaire.answers import valid_tax_id
from exportkit.questionnaire.filling import answers_for_levels, fill_template

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = FIRM_QUESTIONNAIRE


def fictional_tax_id(prefix: str) -> str:
    """The first 8-digit number starting with the 7-digit ``prefix`` that passes the checksum."""
    for last in "0123456789":
        if valid_tax_id(prefix + last):
            return prefix + last
    raise ValueError(prefix)


# The scored dimensions, in the definition's order: each firm's levels below follow it.
DIMENSIONS = tuple(s.id for s in load_definition(DEFINITION).dimensions)


def levels(*values: float) -> dict[str, float]:
    return dict(zip(DIMENSIONS, values, strict=True))


FIRMS = [
    {
        "file": "01-machine-tool-parts.xlsx",
        "lang": "zh-TW",
        "levels": levels(0.8, 0.75, 0.7, 0.85, 0.8, 0.8, 0.6, 0.55, 0.35, 0.5),
        "profile": {
            "firm_name": "宏進精密機械股份有限公司",
            "tax_id": fictional_tax_id("5371204"),
            "contact_person": "林志明 海外業務經理",
            "contact_email": "export@hongjin-precision.example",
            "contact_phone": "04-2359-0000",
            "industry": "機械設備及零組件（含工具機）",
            "founded": 1987,
            "employees": 180,
            "revenue_ntd": 820_000_000,
            "export_share": 55,
            "products": "CNC 車床主軸、滾珠螺桿座與工具機精密零組件",
            "hs_codes": "8466, 846693, 848340",
            "current_markets": "美國、日本、越南、泰國",
            "target_markets": "印度, 印尼, 馬來西亞",
            "certifications": "ISO 9001、ISO 14001、CE",
            "customer_type": "企業或機構客戶（B2B）",
            "sells_online": "否",
            "tacit_knowhow_share": 60,
            "invest_willingness": "4",
            "invest_budget_ntd": 30_000_000,
            "after_sales_need": "5",
        },
    },
    {
        "file": "02-packaged-food.xlsx",
        "lang": "zh-TW",
        "levels": levels(0.6, 0.4, 0.45, 0.65, 0.6, 0.55, 0.45, 0.35, 0.5, 0.4),
        "profile": {
            "firm_name": "好食在食品有限公司",
            "tax_id": fictional_tax_id("8245016"),
            "contact_person": "陳雅婷 總經理特助",
            "contact_email": "yating@haoshizai.example",
            "industry": "食品及飲料",
            "founded": 2006,
            "employees": 42,
            "revenue_ntd": 95_000_000,
            "export_share": 12,
            "products": "鳳梨酥、牛軋糖與即食米糕等伴手禮食品",
            "hs_codes": "1905, 170490, 190490",
            "current_markets": "香港, 新加坡",
            "target_markets": "馬來西亞、印尼、菲律賓",
            "certifications": "HACCP、清真",
            "customer_type": "一般消費者（B2C）",
            "sells_online": "是",
            "tacit_knowhow_share": 50,
            "invest_willingness": "3",
            "after_sales_need": "1",
        },
    },
    {
        "file": "03-cosmetics.xlsx",
        "lang": "zh-TW",
        "levels": levels(0.55, 0.3, 0.4, 0.6, 0.45, 0.45, 0.5, 0.45, 0.7, 0.55),
        "profile": {
            "firm_name": "沐光生技股份有限公司",
            "tax_id": fictional_tax_id("2461937"),
            "contact_person": "黃郁涵 品牌經理",
            "contact_email": "brand@muguang-bio.example",
            "industry": "化粧品及清潔用品",
            "founded": 2014,
            "employees": 28,
            "revenue_ntd": 60_000_000,
            "export_share": 8,
            "products": "天然成分面膜、精華液與保濕乳液",
            "hs_codes": "330499, 330410",
            "current_markets": "香港",
            "target_markets": "泰國、越南、馬來西亞",
            "certifications": "GMP",
            "customer_type": "一般消費者（B2C）",
            "sells_online": "是",
            "tacit_knowhow_share": 40,
            "invest_willingness": "2",
            "after_sales_need": "2",
        },
    },
    {
        "file": "04-iot-devices.xlsx",
        "lang": "zh-TW",
        "levels": levels(0.75, 0.6, 0.6, 0.8, 0.75, 0.6, 0.65, 0.7, 0.8, 0.45),
        "profile": {
            "firm_name": "智聯物聯科技股份有限公司",
            "tax_id": fictional_tax_id("5489261"),
            "contact_person": "張家豪 業務副總",
            "contact_email": "sales@zhilian-iot.example",
            "contact_phone": "03-578-0000",
            "industry": "資通訊及物聯網硬體",
            "founded": 2011,
            "employees": 95,
            "revenue_ntd": 410_000_000,
            "export_share": 65,
            "products": "工業物聯網閘道器、LoRa 感測模組與智慧電表通訊模組",
            "hs_codes": "851762, 903180, 847150",
            "current_markets": "美國, 德國, 日本, 新加坡",
            "target_markets": "越南, 泰國, 印度, 澳大利亞",
            "certifications": "ISO 9001、CE、FCC、RoHS、BSMI",
            "customer_type": "企業或機構客戶（B2B）",
            "sells_online": "否",
            "tacit_knowhow_share": 35,
            "invest_willingness": "4",
            "invest_budget_ntd": 15_000_000,
            "after_sales_need": "4",
        },
    },
    {
        "file": "05-bicycle-components.xlsx",
        "lang": "zh-TW",
        "levels": levels(0.9, 0.9, 0.85, 0.85, 0.85, 0.9, 0.85, 0.8, 0.65, 0.75),
        "profile": {
            "firm_name": "騰輪自行車零件股份有限公司",
            "tax_id": fictional_tax_id("8467302"),
            "contact_person": "吳建宏 國際事業處處長",
            "contact_email": "global@tenglun-cycle.example",
            "industry": "自行車及零組件",
            "founded": 1979,
            "employees": 320,
            "revenue_ntd": 2_300_000_000,
            "export_share": 85,
            "products": "碟煞系統、變速器與碳纖維輪組",
            "hs_codes": "871494, 871493, 871499",
            "current_markets": "荷蘭, 德國, 美國, 日本, 越南, 泰國",
            "target_markets": "印尼、菲律賓、印度、澳大利亞",
            "certifications": "ISO 9001、ISO 14001、ISO 45001、CE",
            "customer_type": "兩者皆有",
            "sells_online": "是",
            "tacit_knowhow_share": 55,
            "invest_willingness": "5",
            "invest_budget_ntd": 120_000_000,
            "after_sales_need": "4",
        },
    },
    {
        "file": "06-software-saas.xlsx",
        "lang": "en",
        "levels": levels(0.35, 0.15, 0.25, 0.5, 0.3, 0.25, 0.2, 0.4, 0.75, 0.2),
        "profile": {
            "firm_name": "CloudLedger Software Co., Ltd.",
            "tax_id": fictional_tax_id("9031458"),
            "contact_person": "Kevin Liao, co-founder",
            "contact_email": "kevin@cloudledger.example",
            "industry": "Software and IT services (incl. SaaS)",
            "founded": 2019,
            "employees": 14,
            "revenue_ntd": 18_000_000,
            "export_share": 0,
            "products": "Cloud accounting and e-invoicing SaaS for small retailers",
            "current_markets": "",
            "target_markets": "Vietnam, Philippines, Malaysia",
            "customer_type": "Businesses or institutions (B2B)",
            "sells_online": "Yes",
            "tacit_knowhow_share": 30,
            "invest_willingness": "2",
            "after_sales_need": "3",
        },
    },
]


def make_examples(out_dir: Path) -> list[Path]:
    """Write every example firm's workbook into ``out_dir``; returns the paths."""
    paths = []
    for seed, firm in enumerate(FIRMS):
        answers = answers_for_levels(
            DEFINITION, firm["levels"], firm["lang"], seed=seed, profile=firm["profile"]
        )
        answers = {k: v for k, v in answers.items() if v != ""}
        paths.append(fill_template(DEFINITION, firm["lang"], answers, out_dir / firm["file"]))
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "questionnaires" / "examples"
    for path in make_examples(target):
        print(path)
