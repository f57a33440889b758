"""Generate the example demand surveys in questionnaires/demand-examples/ (fictional respondents).

Each example is made THROUGH the template (``write_template``) and filled only in the named
answer cells, as a respondent would type (option labels in the workbook's language), so the
examples can never drift from questionnaires/definitions/market-demand.yaml: rerun this
script after changing it.

    python scripts/make_demand_examples.py [OUT_DIR]

The organisations, people, addresses and figures are invented. They are written to meet the
six example firms of scripts/make_examples.py realistically — strong, partial and weak fits,
certification and partnership gaps — and one demand (tea) that no example firm can serve.
"""

from __future__ import annotations

import sys
from pathlib import Path

from exportkit.questionnaire.filling import fill_template

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = "market-demand"

DEMANDS = [
    {
        "file": "01-th-siam-precision-buyer.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Siam Precision Automotive Co., Ltd.",
            "respondent_type": "Buyer (manufacturer or end purchaser)",
            "country": "Thailand",
            "city": "Rayong (Eastern Economic Corridor)",
            "website": "www.siam-precision-auto.example",
            "contact_name": "Somchai Rattanakul, Procurement Manager",
            "contact_email": "somchai.r@siam-precision-auto.example",
            "contact_phone": "+66 38 000 1234",
            "consent_to_share": "Yes",
            "products": "Spindle housings, ball-screw supports and precision parts for the CNC lathes of our machining line",
            "hs_codes": "846693, 848340",
            "industry": "Machinery and components (incl. machine tools)",
            "annual_volume_usd": 600000,
            "quantity": "About 4,000 parts a year in 12 part numbers",
            "price_band": "Mid-range (value for money)",
            "partnerships": "OEM or ODM manufacturing, Import and distribution",
            "timing": "In 3 to 6 months",
            "certifications": "ISO 9001",
            "supplier_experience": "Has exported before",
            "notes": "First-article samples within 6 weeks; FOB Keelung or CIF Laem Chabang.",
        },
    },
    {
        "file": "02-my-halal-food-distributor.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Nusantara Halal Foods Distribution Sdn. Bhd.",
            "respondent_type": "Importer, distributor or retailer",
            "country": "Malaysia",
            "city": "Shah Alam, Selangor",
            "contact_name": "Nur Aisyah binti Kamal, Category Manager (Bakery & Confectionery)",
            "contact_email": "aisyah@nusantara-halal.example",
            "consent_to_share": "Yes",
            "products": "Pineapple cakes, nougat and other gift-box pastries for supermarkets and festive seasons",
            "hs_codes": "1905, 1704",
            "industry": "Food and beverages",
            "annual_volume_usd": 250000,
            "quantity": "About 60,000 gift boxes a year",
            "price_band": "Mid-range (value for money)",
            "partnerships": "Import and distribution",
            "timing": "In 6 to 12 months",
            "certifications": "Halal, HACCP",
            "supplier_experience": "Any: first-time exporters are welcome",
            "notes": "Halal certificate must be recognised by JAKIM; Malay labelling required.",
        },
    },
    {
        "file": "03-vn-beauty-retail-distributor.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Saigon Beauty Retail JSC",
            "respondent_type": "Importer, distributor or retailer",
            "country": "Vietnam",
            "city": "Ho Chi Minh City",
            "contact_name": "Tran Thi Mai, Head of Sourcing",
            "contact_email": "mai.tran@saigonbeauty.example",
            "consent_to_share": "No",
            "products": "Sheet masks and serums with natural ingredients for a chain of 80 beauty stores and its web shop",
            "hs_codes": "330499",
            "industry": "Cosmetics and personal-care products",
            "annual_volume_usd": 120000,
            "price_band": "Premium (quality and brand first)",
            "partnerships": "Import and distribution",
            "timing": "Within 3 months",
            "certifications": "GMP, Other",
            "certifications_other": "Product notification with the Drug Administration of Vietnam (DAV)",
            "supplier_experience": "Any: first-time exporters are welcome",
        },
    },
    {
        "file": "04-id-bicycle-association.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Indonesian Bicycle Industry Association (fictional)",
            "respondent_type": "Industry association or chamber of commerce",
            "country": "Indonesia",
            "city": "Jakarta",
            "contact_name": "Budi Santoso, Secretary General",
            "contact_email": "secretariat@bicycle-industry-id.example",
            "consent_to_share": "Yes",
            "products": "Disc-brake systems and derailleurs for members' e-bike assembly lines; partners for local component production",
            "hs_codes": "8714",
            "industry": "Bicycles and bicycle components",
            "partnerships": "Technology cooperation, Joint venture",
            "timing": "In 6 to 12 months",
            "certifications": "ISO 9001, Other",
            "certifications_other": "SNI for bicycle components",
            "supplier_experience": "Established exporter with a track record",
            "notes": "Twelve member assemblers; the association hosts the meeting in Jakarta.",
        },
    },
    {
        "file": "05-in-urban-utilities-agency.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Karnataka Urban Water Utilities Board (fictional)",
            "respondent_type": "Government agency or public body",
            "country": "India",
            "city": "Bengaluru",
            "contact_name": "Dr. Priya Raghavan, Chief Engineer (Smart Metering)",
            "contact_email": "smartmetering@kuwub.example",
            "consent_to_share": "Yes",
            "products": "LoRaWAN gateways and communication modules for 200,000 smart water meters",
            "hs_codes": "851762, 903180",
            "industry": "ICT and IoT hardware",
            "annual_volume_usd": 900000,
            "quantity": "400 gateways and 200,000 modules over three years",
            "partnerships": "Technology cooperation, Licensing",
            "timing": "In 6 to 12 months",
            "certifications": "ISO 9001, Other",
            "certifications_other": "BIS registration (Compulsory Registration Scheme) and TEC certification",
            "supplier_experience": "Established exporter with a track record",
            "notes": "Public tender; local assembly (Make in India) earns preference points.",
        },
    },
    {
        "file": "06-th-smart-automation-integrator.xlsx",
        "lang": "zh-TW",
        "answers": {
            "organisation": "暹羅智動系統整合有限公司（泰國臺商）",
            "respondent_type": "系統整合商或工程承包商",
            "country": "泰國",
            "city": "曼谷",
            "contact_name": "陳建志 總經理",
            "contact_email": "jc.chen@siam-smartauto.example",
            "contact_phone": "+66 2 000 5678",
            "consent_to_share": "是",
            "products": "工廠能源監控專案用的工業物聯網閘道器與感測模組",
            "hs_codes": "851762, 903180",
            "industry": "資通訊及物聯網硬體",
            "annual_volume_usd": 300000,
            "price_band": "中價位（性價比）",
            "partnerships": "進口經銷",
            "timing": "3 至 6 個月內",
            "certifications": "CE、RoHS",
            "supplier_experience": "已有出口經驗",
            "notes": "由輔導顧問於曼谷臺灣商會訪談後代填；需泰文操作介面。",
        },
    },
    {
        "file": "07-ph-retailers-association.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Philippine Small Retailers Federation (fictional)",
            "respondent_type": "Industry association or chamber of commerce",
            "country": "Philippines",
            "city": "Quezon City, Metro Manila",
            "contact_name": "Maria Lourdes Santos, Executive Director",
            "contact_email": "mlsantos@psrf.example",
            "consent_to_share": "No",
            "products": "Cloud point-of-sale and e-invoicing software for members' small shops, with BIR-compliant receipts",
            "industry": "Software and IT services (incl. SaaS)",
            "annual_volume_usd": 40000,
            "quantity": "About 500 shops in the first year (subscriptions)",
            "price_band": "Economy (price first)",
            "partnerships": "Import and distribution, Technology cooperation",
            "timing": "In 3 to 6 months",
            "certifications": "Other",
            "certifications_other": "Compliance with the Data Privacy Act of 2012 and BIR accreditation of the e-invoicing system",
            "supplier_experience": "Any: first-time exporters are welcome",
        },
    },
    {
        "file": "08-vn-tea-trading-buyer.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Mekong Agrifood Trading Co., Ltd.",
            "respondent_type": "Buyer (manufacturer or end purchaser)",
            "country": "Vietnam",
            "city": "Can Tho",
            "contact_name": "Nguyen Van Long, Import Director",
            "contact_email": "long.nguyen@mekong-agrifood.example",
            "consent_to_share": "Yes",
            "products": "Taiwanese oolong tea leaves and instant milk-tea powder for bubble-tea chains",
            "hs_codes": "090230, 210120",
            "industry": "Agricultural, fishery and livestock products",
            "annual_volume_usd": 180000,
            "partnerships": "Import and distribution",
            "timing": "Within 3 months",
            "certifications": "HACCP",
        },
    },
    {
        "file": "09-au-cycle-distributor.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Southern Cross Cycle Distribution Pty Ltd",
            "respondent_type": "Importer, distributor or retailer",
            "country": "Australia",
            "city": "Melbourne, Victoria",
            "contact_name": "Liam O'Connor, Purchasing Director",
            "contact_email": "liam.oconnor@southerncross-cycles.example",
            "consent_to_share": "Yes",
            "products": "Hydraulic disc brakes and carbon wheelsets for our house brand and 300 independent bike shops",
            "hs_codes": "871494, 871492",
            "industry": "Bicycles and bicycle components",
            "annual_volume_usd": 1500000,
            "price_band": "Premium (quality and brand first)",
            "partnerships": "Import and distribution",
            "timing": "In 3 to 6 months",
            "certifications": "ISO 9001, Other",
            "certifications_other": "AS/NZS 1927 bicycle safety requirements",
            "supplier_experience": "Established exporter with a track record",
        },
    },
    {
        "file": "10-my-halal-hub-agency.xlsx",
        "lang": "en",
        "answers": {
            "organisation": "Selangor Halal Park Development Office (fictional)",
            "respondent_type": "Government agency or public body",
            "country": "Malaysia",
            "city": "Pulau Indah, Selangor",
            "contact_name": "Encik Hafiz Rahman, Investment Promotion Officer",
            "contact_email": "hafiz@selangor-halalpark.example",
            "consent_to_share": "Yes",
            "products": "Bakery and snack producers for a halal food-processing joint venture in the park",
            "hs_codes": "1905, 2106",
            "industry": "Food and beverages",
            "annual_volume_usd": 400000,
            "partnerships": "Joint venture, Import and distribution",
            "timing": "In more than 12 months",
            "certifications": "Halal, HACCP",
            "supplier_experience": "Has exported before",
            "notes": "Land and tax incentives for halal manufacturers; a JV with a local partner is preferred, a long-term supply agreement is a possible first step.",
        },
    },
]


def make_demand_examples(out_dir: Path) -> list[Path]:
    """Write every example demand survey into ``out_dir``; returns the paths."""
    return [
        fill_template(DEFINITION, d["lang"], d["answers"], out_dir / d["file"]) for d in DEMANDS
    ]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "questionnaires" / "demand-examples"
    for path in make_demand_examples(target):
        print(path)
