"""Labels of the monitoring reports: Vietnamese (the default) and English.

The criterion labels are read from the criterion catalogue (transforms/seeds/rules/
criteria.csv); `t(code, lang)` gives them like every other label.
"""

from __future__ import annotations

import csv

from clemency.paths import TRANSFORMS_DIR

LANGUAGES = ("vi", "en")

# key -> (Vietnamese, English)
LABELS: dict[str, tuple[str, str]] = {
    # titles and sections
    "round_title": ("Báo cáo kết quả thực hiện đặc xá đợt {round}", "Amnesty round {round} report"),
    "wr_title": (
        "Báo cáo thí điểm đưa phạm nhân ra ngoài trại giam lao động, học tập năm {year}",
        "Work and training release pilot report {year}",
    ),
    "meta_round": (
        "Quyết định {decision} ngày {signed}; thời điểm tính {cutoff}; số liệu đến {as_of}; "
        "bộ quy tắc {rules}",
        "Decision {decision} of {signed}; cutoff {cutoff}; data as of {as_of}; rules {rules}",
    ),
    "meta_wr": (
        "Chính sách {policy}; số liệu đến {as_of}; bộ quy tắc {rules}",
        "Policy {policy}; data as of {as_of}; rules {rules}",
    ),
    "generated": ("Lập lúc {at}", "Generated {at}"),
    "privacy_note": (
        "Chỉ có số liệu tổng hợp, không có họ tên, số định danh hay mã người. Ở cấp cơ sở giam "
        "giữ, số dưới {threshold} được ẩn (“<{threshold}”) và ẩn thêm ô bổ sung (“–”) để không "
        "suy ra được từ tổng.",
        "Counts only: no names, identity numbers or person keys. At facility level, counts "
        "under {threshold} are hidden (“<{threshold}”) together with complementary cells (“–”) "
        "so that totals do not reveal them.",
    ),
    "xlsx_suppressed_note": (
        "Ô trống: số dưới {threshold} hoặc ô ẩn bổ sung (bảo vệ dữ liệu cá nhân); "
        "dòng tổng cộng là số thực, đã đối chiếu.",
        "Empty cells: counts under {threshold} or complementary suppression (privacy); "
        "the totals row holds the checked true totals.",
    ),
    "privacy_note_audited": (
        "Chỉ có số liệu tổng hợp, không có họ tên, số định danh hay mã người. Số dưới "
        "{threshold} người (trừ số toàn quốc) được ẩn cùng các ô bổ sung; mọi ô ẩn đều hiện "
        "“–”. Đã kiểm chứng bằng quy hoạch nguyên: từ các số đã in, không ô ẩn nào thu hẹp "
        "được vào khoảng hẹp hơn {threshold}.",
        "Counts only: no names, identity numbers or person keys. Counts under {threshold} "
        "(national figures aside) are hidden together with complementary cells; every hidden "
        "cell shows “–”. Checked by integer programming: no hidden cell can be narrowed from "
        "the printed figures to a range narrower than {threshold}.",
    ),
    "withheld_note": (
        "Không công bố chi tiết (quá ít người để bảo vệ): {lines}. Ô “–” ở đó, hoặc ở ô "
        "khác đếm đúng những người đó, có thể là 0.",
        "Not broken down (too few people to protect): {lines}. A “–” there, or in another "
        "cell counting the same people, may be 0.",
    ),
    "sec_courts": (
        "Kênh xét duyệt của Tòa án (người đang được tạm đình chỉ chấp hành án phạt tù)",
        "The courts' review channel (people on temporary suspension of serving)",
    ),
    "courts_note": (
        "Quyết định 1244/2025/QĐ-CTN: Bộ Công an xét cho trại giam của mình, Bộ Quốc phòng "
        "cho trại của mình, Tòa án (Tòa án nhân dân tối cao hướng dẫn) cho người đang được "
        "tạm đình chỉ chấp hành án phạt tù tại thời điểm tính; danh sách của Tòa án không là "
        "sự kiện, nên số đề nghị chỉ gồm đề nghị ghi nhận được.",
        "Decision 1244/2025/QĐ-CTN: MoPS reviews its facilities, MND its centres, and the "
        "courts (guided by the Supreme People's Court) the people on temporary suspension of "
        "serving at the cutoff; court lists are not published as events, so proposals count "
        "only those on record.",
    ),
    "sec_unattributed": (
        "Đặc xá chưa quy được cho kênh xét duyệt nào",
        "Grants no review channel can be attributed",
    ),
    "unattributed_note": (
        "Người được đặc xá mà đợt này không có kết quả xét nào (không rõ đang chấp hành án "
        "hay tạm đình chỉ tại thời điểm tính), hoặc trại của họ chưa đăng ký cơ quan quản lý.",
        "People granted whom the round has no decision for (not known to be serving or on "
        "suspension at the cutoff), or whose facility has no registered agency.",
    ),
    "not_considered": ("Không có kết quả xét trong đợt", "No decision in the round"),
    "unknown_agency": ("Trại chưa đăng ký cơ quan quản lý", "Facility agency not registered"),
    "col_court": ("Tòa án", "Court"),
    "col_channel": ("Kênh xét duyệt", "Review channel"),
    "col_source": ("Nguồn", "Source"),
    "col_age_hours": ("Tuổi dữ liệu (giờ)", "Age (hours)"),
    "col_warn_after": ("Cảnh báo sau", "Warn after"),
    "col_error_after": ("Lỗi sau", "Error after"),
    "col_status": ("Trạng thái", "Status"),
    "freshness_note": (
        "dbt source freshness: bản ghi mới nhất ghi nhận đến hết ngày số liệu (giờ Việt Nam), "
        "so với cuối ngày đó.",
        "dbt source freshness: the latest record up to the as-of day (Vietnam time), against "
        "the end of that day.",
    ),
    "sec_disclosure": ("Kiểm chứng bảo vệ số nhỏ", "Small-count protection audit"),
    "dq_tables_audited": ("Bảng được kiểm chứng", "Tables audited"),
    "dq_hidden_primary": ("Ô ẩn vì dưới ngưỡng", "Cells hidden: under the threshold"),
    "dq_hidden_complementary": ("Ô ẩn bổ sung", "Cells hidden: complementary"),
    "dq_hidden_withheld": ("Ô không công bố chi tiết", "Cells withheld (lines not broken down)"),
    "dq_narrowest": (
        "Khoảng khả dĩ hẹp nhất của một ô ẩn",
        "Narrowest feasible interval of a hidden cell",
    ),
    "dq_solves": ("Số bài toán quy hoạch nguyên đã giải", "Integer programs solved"),
    "dq_run_time": ("Thời gian chạy kiểm chứng", "Audit run time"),
    "dq_run_time_where": (
        "ghi trong nhật ký chạy (clemency runs), để báo cáo giữ nguyên từng byte",
        "in the run's audit trail (clemency runs), so that the report stays byte-identical",
    ),
    "contents": ("Mục lục", "Contents"),
    "key_figures": ("Số liệu chính", "Key figures"),
    # the report portal (reports/index.html)
    "portal_title": ("Cổng báo cáo giám sát đặc xá", "Amnesty monitoring reports"),
    "portal_intro": (
        "Mọi báo cáo đã lập, theo đợt đặc xá hoặc chương trình và theo ngày số liệu. Báo cáo "
        "hiện hành là báo cáo có ngày số liệu mới nhất, không phải báo cáo lập sau cùng.",
        "Every report written, by amnesty round or programme and by as-of date. The current "
        "report is the one with the latest as-of date, not the one written last.",
    ),
    "portal_updated": (
        "Cập nhật lúc {at} từ nhật ký kiểm toán",
        "Updated {at} from the audit trail",
    ),
    "portal_other_language": ("English", "Tiếng Việt"),
    "portal_dbt_docs": (
        "Tài liệu mô hình dữ liệu (dbt docs)",
        "Data model documentation (dbt docs)",
    ),
    "portal_no_reports": ("Chưa có báo cáo nào.", "No report has been written yet."),
    "portal_round": ("Đợt đặc xá {round}", "Amnesty round {round}"),
    "portal_work_release": (
        "Thí điểm lao động, học tập ngoài trại giam",
        "Work and training release pilot",
    ),
    "portal_summary": ("Tóm tắt lần chạy dữ liệu", "Pipeline run summaries"),
    "portal_current": ("Hiện hành: số liệu đến {as_of}", "Current: data as of {as_of}"),
    "portal_is_current": ("hiện hành", "current"),
    "portal_older": ("cũ hơn", "older"),
    "col_report": ("Báo cáo", "Report"),
    "col_file": ("Tệp", "File"),
    "col_format": ("Định dạng", "Format"),
    "col_language": ("Ngôn ngữ", "Language"),
    "col_generated": ("Lập lúc", "Generated"),
    "col_data_quality": ("Chất lượng dữ liệu", "Data quality"),
    "dq_no_gaps": ("Không có khoảng trống tham chiếu", "No referential gaps"),
    "dq_gaps": (
        "{gaps} bản ghi có khoảng trống tham chiếu ({kinds} loại)",
        "{gaps} records with a referential gap ({kinds} kinds)",
    ),
    "dq_unknown": (
        "Không rõ: không còn bảng data_quality_gaps của ngày số liệu này",
        "Unknown: no data_quality_gaps mart left for this as-of date",
    ),
    "dq_gate": (
        "Cổng kiểm định (Great Expectations): {runs} lần kiểm định, {failed} kỳ vọng nghiêm "
        "trọng không đạt, {rows} dòng có giá trị không đạt kỳ vọng.",
        "Validation gate (Great Expectations): {runs} validation runs, {failed} critical "
        "expectations failed, {rows} rows with unexpected values.",
    ),
    "dq_gate_none": ("Cổng kiểm định: chưa có lần kiểm định nào.", "Validation gate: no run yet."),
    "sec_national": ("Tổng hợp toàn quốc", "National totals"),
    "sec_agency": ("Theo cơ quan quản lý", "By agency"),
    "sec_agency_lifecycle": (
        "Đề nghị, đặc xá và tha theo cơ quan quản lý",
        "Proposed, granted and released by agency",
    ),
    "sec_province": ("Theo tỉnh, thành phố", "By province"),
    "sec_facility": ("Theo cơ sở giam giữ", "By facility"),
    "sec_reasons": ("Lý do chưa đủ điều kiện (toàn quốc)", "Reasons not met (national)"),
    "sec_reasons_agency": ("Lý do chưa đủ điều kiện theo cơ quan", "Reasons not met by agency"),
    "sec_reasons_facility": (
        "Lý do chưa đủ điều kiện theo cơ sở giam giữ",
        "Reasons not met by facility",
    ),
    "sec_special": ("Diện đặc biệt", "Special categories"),
    "sec_foreigners": ("Người nước ngoài", "Foreigners"),
    "sec_funnel": ("Đề nghị, đặc xá và tha", "Proposed, granted and released"),
    "sec_comparison": ("So sánh với các đợt trước", "Comparison with other rounds"),
    "sec_timeline": ("Tiến độ so với thời hạn thủ tục", "Timeline against procedural deadlines"),
    "sec_annex": ("Phụ lục: chất lượng dữ liệu", "Annex: data quality"),
    "sec_ingest_days": (
        "Sự kiện đã nhận theo nguồn và ngày (14 ngày gần nhất)",
        "Events ingested per source and day (last 14 days)",
    ),
    "sec_quarantine": ("Bản ghi bị cách ly theo lý do", "Quarantined records by reason"),
    "sec_gaps": (
        "Thiếu liên kết giữa các nguồn (quyết định vẫn được lập, phần thiếu để trống)",
        "Referential gaps between the sources (decisions kept, the missing parts unknown)",
    ),
    "col_gap": ("Loại thiếu", "Gap"),
    "col_checked": ("Số bản ghi đã kiểm tra", "Records checked"),
    "sec_gx": ("Kết quả kiểm định (Great Expectations)", "Validation results (Great Expectations)"),
    "sec_freshness": ("Độ cập nhật của từng nguồn", "Freshness of each source"),
    "sec_lineage": ("Nguồn gốc dữ liệu", "Lineage"),
    "sec_offsets": (
        "Vị trí đọc theo chủ đề và phân vùng",
        "Source offsets per topic and partition",
    ),
    "sec_wr_national": ("Tổng hợp toàn quốc", "National totals"),
    "sec_wr_facility": (
        "Đủ điều kiện và đang ở ngoài trại theo trại giam",
        "Eligible and placed by prison",
    ),
    "sec_wr_sites": ("Theo địa điểm lao động", "By work site"),
    "sec_wr_returns": ("Trở về trại trong năm theo lý do", "Returns in the year by reason"),
    "sec_wr_returns_facility": ("Trở về trại theo trại giam", "Returns by prison"),
    "sec_wr_distance": ("Khoảng cách tới địa điểm lao động", "Distance to work sites"),
    "sec_wr_reasons": ("Lý do chưa đủ điều kiện (toàn quốc)", "Reasons not met (national)"),
    "chart_statuses": ("Kết quả xét theo tình trạng", "Decisions by status"),
    "chart_reasons": ("Số người theo lý do chưa đủ điều kiện", "People by unmet criterion"),
    "chart_returns": ("Số lần trở về trại theo lý do", "Returns by reason"),
    "no_rows": ("Không có số liệu.", "No data."),
    "none": ("Không có", "None"),
    # column headings
    "col_item": ("Chỉ tiêu", "Item"),
    "col_people": ("Số người", "People"),
    "col_agency": ("Cơ quan", "Agency"),
    "col_province": ("Tỉnh, thành phố", "Province"),
    "col_facility": ("Cơ sở giam giữ", "Facility"),
    "col_facility_id": ("Mã cơ sở", "Facility id"),
    "col_considered": ("Được xét", "Considered"),
    "col_reason": ("Lý do", "Reason"),
    "col_code": ("Mã tiêu chí", "Criterion code"),
    "col_category": ("Diện", "Category"),
    "col_nationality": ("Quốc tịch", "Nationality"),
    "col_round": ("Đợt", "Round"),
    "col_decision": ("Quyết định", "Decision"),
    "col_cutoff": ("Thời điểm tính", "Cutoff"),
    "col_proposed": ("Được đề nghị", "Proposed"),
    "col_granted": ("Được đặc xá", "Granted"),
    "col_released": ("Đã tha", "Released"),
    "col_milestone": ("Mốc", "Milestone"),
    "col_date": ("Ngày", "Date"),
    "col_kind": ("Loại", "Kind"),
    "col_note": ("Ghi chú", "Note"),
    "col_day": ("Ngày", "Day"),
    "col_topic": ("Chủ đề (nguồn)", "Topic (source)"),
    "col_partition": ("Phân vùng", "Partition"),
    "col_offset": ("Vị trí cuối (offset_to)", "Last offset (offset_to)"),
    "col_records": ("Số bản ghi", "Records"),
    "col_latest": ("Ghi nhận gần nhất", "Latest recorded_at"),
    "col_run": ("Lần chạy", "Run"),
    "col_suite": ("Bộ kiểm định", "Suite"),
    "col_rows": ("Số dòng", "Rows"),
    "col_expectations": ("Số kỳ vọng", "Expectations"),
    "col_failed": ("Không đạt", "Failed"),
    "col_unexpected": ("Dòng không đạt", "Unexpected rows"),
    "col_value": ("Giá trị", "Value"),
    "col_total": ("Tổng cộng", "Total"),
    "col_site": ("Địa điểm lao động", "Work site"),
    "col_distance": ("Khoảng cách (km)", "Distance (km)"),
    "col_nearest_km": ("Địa điểm gần nhất (km)", "Nearest site (km)"),
    "col_placed": ("Đang ở ngoài trại", "Placed now"),
    "col_placements_year": ("Lượt đưa ra trong năm", "Placements in year"),
    "col_returns_year": ("Lượt trở về trong năm", "Returns in year"),
    "col_within_limit": ("Trong giới hạn khoảng cách", "Within the distance limit"),
    "note_site_limit": (
        "Giới hạn khoảng cách theo chính sách thí điểm: {limit}.",
        "The pilot policy's distance limit: {limit}.",
    ),
    "col_sites": ("Số địa điểm", "Sites"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "total": ("Tổng cộng", "Total"),
    # statuses
    "eligible": ("Đủ điều kiện", "Eligible"),
    "almost_eligible": ("Gần đủ điều kiện", "Almost eligible"),
    "ineligible": ("Chưa đủ điều kiện", "Ineligible"),
    "excluded": ("Không được đề nghị", "Excluded"),
    "considered": ("Được xét", "Considered"),
    "proposed": ("Được đề nghị đặc xá", "Proposed for amnesty"),
    "granted": ("Được đặc xá", "Granted amnesty"),
    "released": ("Đã tha (đặc xá)", "Released (amnesty)"),
    "foreigners_considered": ("Người nước ngoài được xét", "Foreigners considered"),
    "foreigners_granted": ("Người nước ngoài được đặc xá", "Foreigners granted"),
    # special categories
    "merit": ("Có công với cách mạng", "Merit to the nation"),
    "serious_illness": ("Bệnh hiểm nghèo", "Serious illness"),
    "under_18_at_offence": ("Dưới 18 tuổi khi phạm tội", "Under 18 at the offence"),
    "aged_70_plus": ("Từ 70 tuổi trở lên", "Aged 70 or over"),
    "sole_worker": ("Lao động duy nhất, gia đình khó khăn", "Sole worker, family in hardship"),
    "pregnant": ("Đang mang thai", "Pregnant"),
    "child_under_36m": ("Nuôi con dưới 36 tháng tuổi", "Child under 36 months"),
    "severe_disability": ("Khuyết tật đặc biệt nặng", "Severe disability"),
    # work-release return reasons
    "end_of_placement": ("Hết thời hạn", "End of placement"),
    "violation": ("Vi phạm", "Violation"),
    "before_release": ("Trở về trước khi chấp hành xong án", "Return before release"),
    "other": ("Khác", "Other"),
    "unknown": ("Không rõ", "Unknown"),
    # timeline
    "tl_signed": ("Ký quyết định (thông báo)", "Decision signed (notice)"),
    "tl_apply": ("Hạn nộp đơn (+5 ngày)", "Apply by (+5 days)"),
    "tl_facility_lists": (
        "Hạn cơ sở giam giữ lập danh sách (+10 ngày)",
        "Facility lists due (+10 days)",
    ),
    "tl_court_lists": (
        "Hạn tòa án, cơ quan thi hành án lập danh sách (+15 ngày)",
        "Court lists due (+15 days)",
    ),
    "tl_appraisal": ("Hạn thẩm định (+15 ngày)", "Appraisal due (+15 days)"),
    "tl_complaints": ("Hạn khiếu nại (+5 ngày)", "Complaints due (+5 days)"),
    "tl_cutoff": ("Thời điểm tính điều kiện", "Cutoff date"),
    "tl_first_proposal": ("Đề nghị đầu tiên", "First proposal"),
    "tl_last_proposal": ("Đề nghị cuối cùng", "Last proposal"),
    "tl_effective": ("Quyết định đặc xá có hiệu lực", "Grant effective"),
    "tl_first_release": ("Người đầu tiên được tha", "First release"),
    "tl_last_release": ("Người cuối cùng được tha", "Last release"),
    "deadline": ("Thời hạn", "Deadline"),
    "actual": ("Thực tế", "Actual"),
    "late_proposals": (
        "{late} trên {total} đề nghị sau hạn lập danh sách của cơ sở",
        "{late} of {total} proposals after the facility-list deadline",
    ),
    "timeline_note": (
        "Thời hạn tính từ ngày ký quyết định (coi là ngày thông báo); chuỗi mốc cần xác minh "
        "theo hướng dẫn của từng đợt.",
        "Deadlines are counted from the signing date (taken as the notice date); the chain of "
        "milestones should be verified against each round's guidance.",
    ),
    # data quality
    "as_of": ("Ngày số liệu", "As-of date"),
    "ingest_runs": ("Mã lần nhận dữ liệu", "Ingest run ids"),
    "rule_versions": ("Phiên bản quy tắc", "Rule versions"),
    "validation_runs": ("Lần kiểm định", "Validation runs"),
}

# Criterion labels live in the criterion catalogue, one row per programme and code; a code
# two programmes share has one label (tests/test_rule_catalogue.py checks it).
CRITERIA_CATALOGUE = TRANSFORMS_DIR / "seeds" / "rules" / "criteria.csv"


def _catalogue_labels() -> dict[str, tuple[str, str]]:
    with CRITERIA_CATALOGUE.open(encoding="utf-8", newline="") as source:
        return {row["code"]: (row["label_vi"], row["label_en"]) for row in csv.DictReader(source)}


LABELS.update(_catalogue_labels())

# every criterion code (docs/contracts.md section 3), in catalogue order
CRITERIA = list(_catalogue_labels())

STATUSES = ["eligible", "almost_eligible", "ineligible", "excluded"]


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The label of `key` in `lang`; unknown keys (e.g. a new criterion code) stay as is."""
    pair = LABELS.get(key)
    text = key if pair is None else pair[0 if lang == "vi" else 1]
    return text.format(**values) if values else text


def criterion(code: str, lang: str = "vi") -> str:
    """A criterion or reason code with its human label, e.g. "Thời gian đã chấp hành"."""
    return t(code, lang)


def number(value: float | int, lang: str = "vi", decimals: int = 0) -> str:
    """Thousands separators: 13.920 in Vietnamese, 13,920 in English."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text
