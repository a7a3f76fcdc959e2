"""Reference data and realistic figures for the event simulator.

Figures cite docs/domain.md ("DOMAIN") where they come from it; everything else is a
plausible assumption for simulated data and says so. The dbt seeds
`transforms/seeds/provinces.csv` and `transforms/seeds/penal_code_articles.csv` hold the same
provinces and article categories; tests/test_simulator.py checks that the two agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass

from clemency.paths import TRANSFORMS_DIR

RULE_SEEDS = TRANSFORMS_DIR / "seeds" / "rules"

# --- national figures (DOMAIN "Facts for realistic data", "Reference figures") -------------

NATIONAL_INMATES = 197_000  # people serving sentences, 31 Jan 2025
MOPS_PRISONS = 53  # MoPS runs ~53 prisons
MND_PRISONS = 6  # assumption: one per military region that runs a prison
MOPS_DETENTION_CENTRES = 15  # assumption: provincial detention centres holding sentenced people
NATIONAL_SCALE_FROM = 50_000  # from this many inmates on, every facility above exists
CAPACITY_HEADROOM = 1.1  # total capacity ≈ inmates × 1.1
WORK_SITE_PRISON_SHARE = 1 / 3  # pilot: at most a third of MoPS prisons (DOMAIN work release)
WORK_SITE_DISTANCE_KM = (5.0, 80.0)  # some beyond the 50 km limit so that rule bites
WORK_RELEASE_MAX_DISTANCE_KM = 50.0
WORK_RELEASE_PILOT_START = dt.date(2022, 9, 1)  # Resolution 54/2022/QH15

FOREIGNER_SHARE = 0.003  # round 2: 66 foreigners of 13,920 granted (DOMAIN)
FEMALE_SHARE = 0.07  # assumption
DAYS_PER_MONTH = 365.25 / 12  # as transforms/dbt_project.yml counts a month


# --- provinces after 1 July 2025 (DOMAIN: 34 provinces) -------------------------------------


@dataclass(frozen=True)
class Province:
    code: str
    name_vi: str
    name_en: str
    merged: bool
    cccd_codes: tuple[str, ...]  # 3-digit citizen-ID codes of the pre-merger provinces


def _province(code: str, name_vi: str, name_en: str, cccd: str) -> Province:
    codes = tuple(cccd.split("|"))
    return Province(code, name_vi, name_en, len(codes) > 1, codes)


PROVINCES: tuple[Province, ...] = (
    _province("HNI", "Hà Nội", "Ha Noi", "001"),
    _province("HUE", "Huế", "Hue", "046"),
    _province("LCU", "Lai Châu", "Lai Chau", "012"),
    _province("DBN", "Điện Biên", "Dien Bien", "011"),
    _province("SLA", "Sơn La", "Son La", "014"),
    _province("LSN", "Lạng Sơn", "Lang Son", "020"),
    _province("QNH", "Quảng Ninh", "Quang Ninh", "022"),
    _province("THA", "Thanh Hóa", "Thanh Hoa", "038"),
    _province("NAN", "Nghệ An", "Nghe An", "040"),
    _province("HTH", "Hà Tĩnh", "Ha Tinh", "042"),
    _province("CBG", "Cao Bằng", "Cao Bang", "004"),
    _province("TQG", "Tuyên Quang", "Tuyen Quang", "008|002"),
    _province("LCI", "Lào Cai", "Lao Cai", "010|015"),
    _province("TNN", "Thái Nguyên", "Thai Nguyen", "019|006"),
    _province("PTO", "Phú Thọ", "Phu Tho", "025|026|017"),
    _province("BNH", "Bắc Ninh", "Bac Ninh", "027|024"),
    _province("HYN", "Hưng Yên", "Hung Yen", "033|034"),
    _province("HPG", "Hải Phòng", "Hai Phong", "031|030"),
    _province("NBH", "Ninh Bình", "Ninh Binh", "037|035|036"),
    _province("QTI", "Quảng Trị", "Quang Tri", "045|044"),
    _province("DNG", "Đà Nẵng", "Da Nang", "048|049"),
    _province("QNI", "Quảng Ngãi", "Quang Ngai", "051|062"),
    _province("GLI", "Gia Lai", "Gia Lai", "064|052"),
    _province("KHA", "Khánh Hòa", "Khanh Hoa", "056|058"),
    _province("LDG", "Lâm Đồng", "Lam Dong", "068|067|060"),
    _province("DLK", "Đắk Lắk", "Dak Lak", "066|054"),
    _province("HCM", "TP Hồ Chí Minh", "Ho Chi Minh City", "079|074|077"),
    _province("DNI", "Đồng Nai", "Dong Nai", "075|070"),
    _province("TNH", "Tây Ninh", "Tay Ninh", "072|080"),
    _province("CTO", "Cần Thơ", "Can Tho", "092|094|093"),
    _province("VLG", "Vĩnh Long", "Vinh Long", "086|083|084"),
    _province("DTP", "Đồng Tháp", "Dong Thap", "087|082"),
    _province("CMU", "Cà Mau", "Ca Mau", "096|095"),
    _province("AGG", "An Giang", "An Giang", "089|091"),
)
PROVINCE_BY_CODE = {p.code: p for p in PROVINCES}

# Rough population weights (millions, post-merger) so people come from populous provinces more.
PROVINCE_POPULATION_M = {
    "HNI": 8.7, "HUE": 1.2, "LCU": 0.5, "DBN": 0.6, "SLA": 1.3, "LSN": 0.8, "QNH": 1.4,
    "THA": 3.8, "NAN": 3.4, "HTH": 1.3, "CBG": 0.5, "TQG": 1.9, "LCI": 1.8, "TNN": 1.8,
    "PTO": 4.0, "BNH": 3.6, "HYN": 3.6, "HPG": 4.7, "NBH": 4.4, "QTI": 1.9, "DNG": 3.1,
    "QNI": 1.9, "GLI": 3.6, "KHA": 2.2, "LDG": 3.9, "DLK": 3.3, "HCM": 14.0, "DNI": 4.5,
    "TNH": 3.3, "CTO": 4.2, "VLG": 4.3, "DTP": 4.4, "CMU": 2.6, "AGG": 4.9,
}  # fmt: skip


# --- facilities -------------------------------------------------------------------------------

# Names of MoPS prisons with the post-merger province they lie in (best effort; capacities and
# work sites are simulated). The first MOPS_PRISONS are used at national scale.
MOPS_PRISON_NAMES: tuple[tuple[str, str], ...] = (
    ("Thanh Xuân", "HNI"), ("Suối Hai", "HNI"), ("Phú Sơn 4", "TNN"), ("Tân Lập", "PTO"),
    ("Vĩnh Quang", "PTO"), ("Hồng Ca", "LCI"), ("Ngọc Lý", "BNH"), ("Quảng Ninh", "QNH"),
    ("Xuân Nguyên", "HPG"), ("Hoàng Tiến", "HPG"), ("Nam Hà", "NBH"), ("Ba Sao", "NBH"),
    ("Ninh Khánh", "NBH"), ("Thanh Lâm", "THA"), ("Thanh Cẩm", "THA"), ("Thanh Phong", "THA"),
    ("Số 5", "THA"), ("Số 3", "NAN"), ("Số 6", "NAN"), ("Xuân Hà", "HTH"), ("Đồng Sơn", "QTI"),
    ("Bình Điền", "HUE"), ("An Điềm", "DNG"), ("Xuân Phước", "DLK"), ("A2", "DLK"),
    ("Gia Trung", "GLI"), ("Kim Sơn", "GLI"), ("Đại Bình", "LDG"), ("Đắk P'Lao", "LDG"),
    ("Thủ Đức", "LDG"), ("Huy Khiêm", "LDG"), ("Z30D", "LDG"), ("Xuân Lộc", "DNI"),
    ("Tống Lê Chân", "DNI"), ("An Phước", "HCM"), ("Xuyên Mộc", "HCM"), ("Mỹ Phước", "HCM"),
    ("Cây Cầy", "TNH"), ("Thạnh Hòa", "TNH"), ("Phước Hòa", "DTP"), ("Châu Bình", "VLG"),
    ("Định Thành", "AGG"), ("Cái Tàu", "CMU"), ("Nà Tấu", "DBN"), ("Sơn La", "SLA"),
    ("Lạng Sơn", "LSN"), ("Cao Bằng", "CBG"), ("Tuyên Quang", "TQG"), ("Hưng Yên", "HYN"),
    ("Nghĩa Hành", "QNI"), ("Khánh Hòa", "KHA"), ("Cần Thơ", "CTO"), ("Lai Châu", "LCU"),
)  # fmt: skip
MND_PRISON_NAMES: tuple[tuple[str, str], ...] = (
    ("Trại giam Bộ Quốc phòng", "HNI"), ("Trại giam Quân khu 3", "HPG"),
    ("Trại giam Quân khu 4", "NAN"), ("Trại giam Quân khu 5", "DNG"),
    ("Trại giam Quân khu 7", "HCM"), ("Trại giam Quân khu 9", "CTO"),
)  # fmt: skip
# Relative capacity by facility kind (assumption: detention centres and MND hold few sentenced).
CAPACITY_WEIGHT = {"prison": (0.6, 1.6), "detention_centre": (0.1, 0.3), "mnd": (0.08, 0.2)}


# --- amnesty rounds (DOMAIN "Amnesty", "Reference figures") -----------------------------------


@dataclass(frozen=True)
class AmnestyRound:
    round_id: str
    decision_no: str
    signed_date: dt.date
    cutoff_date: dt.date
    rule_version: str
    grant_decision_no: str
    effective_date: dt.date  # grant takes effect; the granted are released that day
    national_granted: int


# What the round's decisions say (number, dates, rule version) is read from the seed the
# pipeline decides with; the grant figures are the simulator's own (press reports):
# Decision 767/QĐ-CTN of 26-29 Apr 2025, effective 1 May 2025; Decision 1693/QĐ-CTN of
# 29 Aug 2025, effective 1 Sep 2025.
_GRANTS = {
    "2025-1": ("767/QĐ-CTN", dt.date(2025, 5, 1), 8_056),
    "2025-2": ("1693/QĐ-CTN", dt.date(2025, 9, 1), 13_920),
}
AMNESTY_APPRAISAL_PASS_RATE = 0.93  # assumption: share of proposals the council grants


def _seed(name: str) -> list[dict[str, str]]:
    with (RULE_SEEDS / name).open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def _rounds() -> tuple[AmnestyRound, ...]:
    rounds = []
    for row in _seed("amnesty_rounds.csv"):
        grant_decision_no, effective_date, granted = _GRANTS[row["round_id"]]
        rounds.append(
            AmnestyRound(
                row["round_id"],
                row["decision_no"],
                dt.date.fromisoformat(row["signed_date"]),
                dt.date.fromisoformat(row["cutoff_date"]),
                row["rule_version"],
                grant_decision_no,
                effective_date,
                granted,
            )
        )
    return tuple(sorted(rounds, key=lambda r: r.cutoff_date))


AMNESTY_ROUNDS: tuple[AmnestyRound, ...] = _rounds()


@dataclass(frozen=True)
class AmnestyRules:
    """A round's rule lists, as the seeds under transforms/seeds/rules/ give them."""

    excluded_articles: frozenset[int]  # Art. 12 bars
    stricter_articles: dict[int, int]  # article -> minimum term (months) for 1/2 or 17 y
    quarters_by_term: tuple[tuple[int, int, int], ...]  # (above months, up to months, quarters)
    quarters_life_reduced: int

    def quarters_for(self, term_months: int) -> int:
        return next(q for low, top, q in self.quarters_by_term if low < term_months <= top)


@functools.cache
def amnesty_rules(rule_version: str) -> AmnestyRules:
    def rows(name: str) -> list[dict[str, str]]:
        return [row for row in _seed(name) if row["rule_version"] == rule_version]

    bands = rows("amnesty_behaviour_quarters.csv")
    fixed = tuple(
        sorted(
            (
                int(b["min_term_months_exclusive"]),
                int(b["max_term_months_inclusive"]),
                int(b["quarters_required"]),
            )
            for b in bands
            if b["applies_to_life_reduced"] != "true"
        )
    )
    (life,) = [int(b["quarters_required"]) for b in bands if b["applies_to_life_reduced"] == "true"]
    return AmnestyRules(
        excluded_articles=frozenset(
            int(r["article"]) for r in rows("amnesty_excluded_articles.csv")
        ),
        stricter_articles={
            int(r["article"]): int(r["min_term_months"])
            for r in rows("amnesty_stricter_articles.csv")
        },
        quarters_by_term=fixed,
        quarters_life_reduced=life,
    )


# Penal Code Art. 63 (DOMAIN): first reduction after 1/3 (fixed) or 12 years (life); at most
# once a year; total actually served >= 1/2. A life sentence is first reduced to 30 years and
# (assumption, Art. 63) at least 20 years must then be actually served.
LIFE_FIRST_REDUCTION_YEARS = 12
LIFE_TO_TERM_MONTHS = 360
LIFE_REDUCED_MIN_SERVED_MONTHS = 240


# --- offences and sentences -------------------------------------------------------------------

# A sentencing band: (clause, min months, max months, weight, share of life sentences).
Band = tuple[int, int, int, float, float]

SENTENCE_PROFILES: dict[str, tuple[Band, ...]] = {
    "minor": ((1, 6, 36, 0.75, 0), (2, 24, 84, 0.22, 0), (3, 60, 120, 0.03, 0)),
    "theft": ((1, 6, 36, 0.6, 0), (2, 24, 84, 0.3, 0), (3, 84, 180, 0.08, 0),
              (4, 144, 240, 0.02, 0.05)),
    "robbery": ((1, 36, 120, 0.55, 0), (2, 84, 180, 0.3, 0), (3, 144, 216, 0.1, 0),
                (4, 216, 240, 0.05, 0.35)),
    "snatching": ((1, 12, 60, 0.6, 0), (2, 36, 120, 0.3, 0), (3, 84, 180, 0.07, 0),
                  (4, 144, 240, 0.03, 0.1)),
    "injury": ((1, 6, 36, 0.55, 0), (2, 24, 72, 0.25, 0), (3, 60, 120, 0.12, 0),
               (4, 84, 168, 0.06, 0), (5, 144, 240, 0.02, 0.15)),
    "murder": ((1, 144, 240, 0.6, 0.45), (2, 84, 180, 0.4, 0)),
    "sexual": ((1, 24, 84, 0.6, 0), (2, 84, 180, 0.3, 0), (3, 144, 240, 0.1, 0.1)),
    "trafficking": ((1, 60, 120, 0.6, 0), (2, 96, 180, 0.3, 0), (3, 144, 240, 0.1, 0.1)),
    "drug_use": ((1, 12, 60, 0.7, 0), (2, 60, 120, 0.2, 0), (3, 120, 180, 0.07, 0),
                 (4, 180, 240, 0.03, 0.5)),
    "drug_trade": ((1, 24, 84, 0.55, 0), (2, 84, 180, 0.28, 0), (3, 180, 240, 0.1, 0),
                   (4, 240, 240, 0.07, 0.65)),
    "drug_venue": ((1, 24, 84, 0.65, 0), (2, 84, 180, 0.28, 0), (3, 144, 240, 0.07, 0)),
    "corruption_major": ((1, 24, 84, 0.45, 0), (2, 84, 180, 0.35, 0), (3, 180, 240, 0.15, 0),
                         (4, 240, 240, 0.05, 0.5)),
    "corruption": ((1, 12, 84, 0.6, 0), (2, 60, 144, 0.3, 0), (3, 120, 240, 0.1, 0)),
    "economic": ((1, 6, 60, 0.6, 0), (2, 36, 120, 0.3, 0), (3, 84, 180, 0.1, 0)),
    "security_grave": ((1, 144, 240, 0.6, 0.3), (2, 60, 180, 0.4, 0)),
    "security": ((1, 60, 180, 0.7, 0), (2, 24, 84, 0.3, 0)),
    "war": ((1, 144, 240, 1.0, 0.4),),
}  # fmt: skip

# Offence mix: article -> (weight in %, sentencing profile). Assumption shaped on DOMAIN:
# theft/property and drugs dominate, then injury/violence, fraud; corruption a few %;
# national security, terrorism and war crimes very rare but present.
OFFENCE_MIX: dict[int, tuple[float, str]] = {
    # property (~31 %)
    173: (14.0, "theft"), 174: (6.0, "theft"), 175: (2.0, "theft"), 168: (4.0, "robbery"),
    171: (2.5, "snatching"), 170: (0.7, "snatching"), 169: (0.25, "robbery"),
    172: (0.4, "minor"), 178: (0.6, "minor"),
    # drugs (~34 %)
    249: (9.0, "drug_use"), 250: (4.0, "drug_trade"), 251: (16.0, "drug_trade"),
    255: (3.0, "drug_venue"), 256: (1.5, "drug_venue"), 248: (0.3, "drug_trade"),
    252: (0.2, "drug_trade"), 247: (0.1, "minor"),
    # life, health, dignity (~15 %)
    134: (8.0, "injury"), 123: (3.0, "murder"), 141: (1.2, "sexual"), 142: (0.8, "sexual"),
    145: (0.6, "sexual"), 146: (0.3, "sexual"), 150: (0.5, "trafficking"), 133: (0.2, "minor"),
    128: (0.2, "minor"),
    # public order (~12 %)
    321: (2.5, "minor"), 322: (1.5, "economic"), 260: (2.0, "minor"), 318: (1.5, "minor"),
    304: (0.5, "economic"), 323: (1.0, "minor"), 327: (0.5, "minor"), 328: (0.4, "minor"),
    330: (0.7, "minor"),
    # economic (~3 %)
    188: (0.6, "economic"), 190: (0.6, "economic"), 192: (0.5, "economic"),
    200: (0.4, "economic"), 207: (0.5, "economic"),
    # corruption (~3 %)
    353: (1.0, "corruption_major"), 354: (0.8, "corruption_major"), 355: (0.4, "corruption"),
    356: (0.5, "corruption"), 357: (0.1, "corruption"), 358: (0.15, "corruption"),
    359: (0.05, "corruption"),
    # other (~2 %)
    341: (0.8, "minor"), 348: (0.5, "economic"), 386: (0.2, "minor"), 244: (0.2, "minor"),
    402: (0.1, "minor"), 364: (0.2, "economic"),
    # national security, terrorism, peace and war crimes (very rare)
    109: (0.05, "security_grave"), 117: (0.06, "security"), 118: (0.02, "security"),
    116: (0.01, "security"), 115: (0.005, "security"), 120: (0.005, "security"),
    121: (0.005, "security"), 108: (0.002, "security_grave"), 110: (0.003, "security_grave"),
    111: (0.003, "security_grave"), 112: (0.003, "security_grave"),
    113: (0.002, "security_grave"), 114: (0.002, "security_grave"), 119: (0.002, "security"),
    299: (0.02, "security_grave"), 421: (0.001, "war"), 422: (0.001, "war"),
    423: (0.001, "war"), 424: (0.001, "war"), 425: (0.001, "war"),
}  # fmt: skip
# Offences often tried together with the main one (assumption).
COMPANION_OFFENCES: dict[int, tuple[int, ...]] = {
    249: (255, 256, 321), 251: (249, 304), 250: (249,), 173: (171, 323, 178), 171: (173,),
    174: (341,), 168: (134, 304), 134: (318, 178), 353: (356, 359), 354: (356,),
    321: (322,), 322: (321,), 327: (328,),
}  # fmt: skip
SECOND_OFFENCE_SHARE = 0.1
MAX_AGGREGATED_TERM_MONTHS = 360  # Penal Code Art. 55: at most 30 years for several offences


# Joint crimes (đồng phạm, Penal Code Art. 17). Assumption: a quarter of the cases are tried
# as joint crimes (drug rings, theft and robbery gangs, corruption); within one, the roles of
# Art. 17(3) in these shares. Work release excludes the organiser of a particularly serious
# crime (Resolution 54/2022/QH15), which the simulator therefore never places.
JOINT_CRIME_SHARE = 0.25
OFFENCE_ROLES = {"organiser": 0.2, "perpetrator": 0.5, "helper": 0.25, "instigator": 0.05}

PENAL_CODE_SEED = TRANSFORMS_DIR / "seeds" / "penal_code_articles.csv"


@functools.cache
def _particularly_serious_clauses() -> dict[int, frozenset[int] | None]:
    """article -> the clauses whose frame is particularly serious (Penal Code Art. 9), as the
    catalogue seed gives them; None where the seed says `verify`."""
    with PENAL_CODE_SEED.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    found: dict[int, frozenset[int] | None] = {}
    for row in rows:
        clauses = row["particularly_serious_clauses"]
        found[int(row["article"])] = (
            None if clauses == "verify" else frozenset(int(c) for c in clauses.split("|") if c)
        )
    return found


def particularly_serious(article: int, clause: int | None) -> bool | None:
    """Is an offence under `article`, `clause` a particularly serious crime (Art. 9(1)(d))?
    None when the catalogue cannot tell (article missing or `verify`, or no clause given
    for an article that has such a frame), as the pipeline reads it."""
    clauses = _particularly_serious_clauses().get(article)
    if clauses is None:
        return None
    if not clauses:
        return False
    return None if clause is None else clause in clauses


def category_of(article: int) -> str:
    """Category of a Penal Code article, as in transforms/seeds/penal_code_articles.csv."""
    if 108 <= article <= 122:
        return "national_security"
    if 123 <= article <= 156:
        return "life_health_dignity"
    if 168 <= article <= 180:
        return "property"
    if 188 <= article <= 234:
        return "economic"
    if 247 <= article <= 259:
        return "drugs"
    if article in (299, 300):
        return "terrorism"
    if 260 <= article <= 330:
        return "public_order"
    if 353 <= article <= 359:
        return "corruption"
    if 421 <= article <= 425:
        return "peace_war_crimes"
    return "other"


# Obligations by category: (share fined, fine range VND, share owing compensation, range VND).
# Assumption; the criminal first-instance court fee is 200,000 VND, plus 5 % of compensation.
OBLIGATIONS: dict[str, tuple[float, tuple[int, int], float, tuple[int, int]]] = {
    "drugs": (0.4, (5_000_000, 50_000_000), 0.02, (1_000_000, 20_000_000)),
    "property": (0.05, (5_000_000, 20_000_000), 0.6, (2_000_000, 300_000_000)),
    "life_health_dignity": (0.02, (5_000_000, 20_000_000), 0.65, (10_000_000, 400_000_000)),
    "economic": (0.7, (20_000_000, 500_000_000), 0.3, (10_000_000, 2_000_000_000)),
    "corruption": (0.35, (30_000_000, 200_000_000), 0.85, (100_000_000, 50_000_000_000)),
    "public_order": (0.35, (10_000_000, 100_000_000), 0.1, (2_000_000, 100_000_000)),
}
OBLIGATIONS_DEFAULT = (0.05, (5_000_000, 30_000_000), 0.05, (1_000_000, 50_000_000))
CRIMINAL_COURT_FEE_VND = 200_000
CIVIL_FEE_SHARE = 0.05
# Obligations ended without full payment (Decree 52/2019/NĐ-CP Art. 4), assumption: of those
# with compensation still unpaid, 8 % get the creditor's written waiver (victims who settle or
# forgive; not for corruption, where the State is the creditor); of any obligation still
# unpaid, 2 % see its enforcement terminated (Law on Civil Judgment Enforcement Art. 50).
CREDITOR_WAIVER_SHARE = 0.08
ENFORCEMENT_TERMINATED_SHARE = 0.02


# --- at liberty before serving: bail and postponement -----------------------------------------

# Bail before judgment (tại ngoại). Criminal Procedure Code 2015 Art. 119 keeps pre-trial
# detention for very and particularly serious crimes and allows it for less serious and
# serious ones only in listed cases; Arts 121-123 (guarantee, deposit, residence ban) are the
# alternatives. Assumption on the shares: 12 % of people whose sentence is up to 3 years (a
# less serious crime's range), 4 % of those up to 7 years, none above, nor life, nor the
# national-security, terrorism and war-crime categories.
BAIL_SHARE_BY_TERM = ((36, 0.12), (84, 0.04))  # (term up to months, share)
BAIL_EXCLUDED_CATEGORIES = frozenset({"national_security", "terrorism", "peace_war_crimes"})
BAIL_MEASURES = {"guarantee": 0.6, "residence_ban": 0.3, "deposit": 0.1}
# Postponement of serving (Penal Code Art. 67) for a convict at liberty: assumption, 10 % of
# those on bail, on the grounds of Art. 67(1) with these weights and lengths in days
# (sole worker and public duty at most 1 year by law; pregnancy or a child until 36 months).
POSTPONEMENT_SHARE_OF_BAILED = 0.10
POSTPONEMENT_GROUNDS: dict[str, tuple[float, int, int]] = {
    "serious_illness": (0.35, 90, 365),
    "pregnant_or_child_under_36m": (0.25, 180, 1_000),  # women aged 18-42 only
    "sole_worker": (0.35, 90, 365),
    "public_duty": (0.05, 60, 365),  # less serious crimes only (sentence up to 3 years)
}

# What a cassation or reopening seeks (Law on Amnesty Art. 12(2) bars only a heavier one).
# Assumption: protests for the convict are the most common; 10 % of court systems do not
# send the (optional) direction.
REVIEW_DIRECTIONS: dict[str | None, float] = {
    "heavier": 0.35, "lighter": 0.45, "other": 0.1, None: 0.1,
}  # fmt: skip


# --- people -----------------------------------------------------------------------------------

# Age at arrest: (share, min years, max years). Assumption: mostly young adults; a few
# juveniles (under 18 at the offence), a few aged 60+ and 70+.
AGE_AT_ARREST: tuple[tuple[float, float, float], ...] = (
    (0.015, 16.0, 17.9), (0.25, 18.0, 25.0), (0.36, 25.0, 35.0), (0.24, 35.0, 45.0),
    (0.1, 45.0, 60.0), (0.028, 60.0, 70.0), (0.007, 70.0, 80.0),
)  # fmt: skip

# Prior convictions: mostly 0, some 1, few 2+ (assumption); dangerous recidivists are rare.
PRIOR_CONVICTIONS_WEIGHTS = {0: 0.8, 1: 0.14, 2: 0.04, 3: 0.015, 4: 0.005}
DANGEROUS_RECIDIVIST_SHARE_OF_REPEATERS = 0.25

# Behaviour grade mix by disposition (assumption): mostly tốt/khá, some trung bình, few kém.
GRADES = ("tot", "kha", "trung_binh", "kem")
GRADES_VI = {"tot": "tốt", "kha": "khá", "trung_binh": "trung bình", "kem": "kém"}
DISPOSITIONS: dict[str, tuple[float, tuple[float, float, float, float]]] = {
    "good": (0.7, (0.55, 0.38, 0.06, 0.01)),
    "average": (0.25, (0.2, 0.5, 0.25, 0.05)),
    "poor": (0.05, (0.05, 0.3, 0.4, 0.25)),
}
DISCIPLINE_PER_QUARTER = {"good": 0.005, "average": 0.03, "poor": 0.12}
VIETNAMESE_GRADE_FACILITY_SHARE = 0.4  # facility systems that send "tốt" rather than "tot"

# Family names with approximate shares in % (common published estimates).
FAMILY_NAMES: dict[str, float] = {
    "Nguyễn": 38.0, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.0, "Hoàng": 3.0, "Huỳnh": 2.1,
    "Phan": 4.5, "Vũ": 2.0, "Võ": 1.9, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3,
    "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Đinh": 0.8, "Trương": 0.8, "Lương": 0.5,
    "Mai": 0.4, "Đào": 0.5, "Cao": 0.4, "Tạ": 0.2, "Lò": 0.2, "Hà": 0.4, "Triệu": 0.2,
}  # fmt: skip
MIDDLE_NAMES = {
    "M": ("Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thành", "Xuân",
          "Ngọc", "Đình", "Quốc", "Trọng", "Mạnh", "Thanh", "Hoàng", "Tiến"),
    "F": ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Minh", "Hồng", "Phương",
          "Mai", "Bích", "Thùy", "Diệu", "Khánh"),
}  # fmt: skip
GIVEN_NAMES = {
    "M": ("Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Long", "Sơn", "Thắng", "Cường",
          "Hiếu", "Phúc", "Quân", "Trung", "Tùng", "Khánh", "Đức", "Hoàng", "Huy", "Việt",
          "Bình", "Thành", "Tài", "Lâm", "Phong", "Vinh", "Toàn", "Đạt", "Kiên", "Lộc",
          "Tâm", "Nghĩa", "Hưng", "Thịnh", "Quý", "Trường", "Khoa", "Duy", "Tú", "Bảo"),
    "F": ("Lan", "Hương", "Hoa", "Mai", "Linh", "Ngọc", "Thảo", "Trang", "Hằng", "Nga",
          "Hạnh", "Yến", "Nhung", "Phương", "Thủy", "Hà", "Huyền", "Loan", "Dung", "Oanh",
          "Tuyết", "Vân", "Anh", "Giang", "Ánh", "Quỳnh", "Trâm", "Uyên", "Hiền", "Thư"),
}  # fmt: skip
DOUBLE_GIVEN_NAME_SHARE = 0.12  # e.g. "Nguyễn Thị Ánh Tuyết"

# Foreign inmates: nationality -> (family names, given names). Assumption.
FOREIGN_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "CN": (("Wang", "Li", "Zhang", "Liu", "Chen"), ("Wei", "Jun", "Hao", "Lei", "Ming")),
    "LA": (("Phommachanh", "Sisavath", "Keomany"), ("Souksavanh", "Bounmy", "Khamphet")),
    "KH": (("Sok", "Chea", "Kim", "Heng"), ("Dara", "Vuthy", "Sokha", "Rithy")),
    "KR": (("Kim", "Lee", "Park", "Choi"), ("Min-jun", "Seo-jun", "Ji-ho", "Hyun-woo")),
    "TW": (("Lin", "Huang", "Tsai"), ("Chih-ming", "Wen-hsiung", "Chun-hung")),
    "NG": (("Okafor", "Adeyemi", "Eze"), ("Chukwuemeka", "Oluwaseun", "Ifeanyi")),
    "US": (("Smith", "Johnson", "Nguyen"), ("Michael", "David", "Kevin")),
}
FOREIGN_NATIONALITY_WEIGHTS = {"CN": 40, "LA": 20, "KH": 15, "KR": 8, "TW": 7, "NG": 6, "US": 4}
