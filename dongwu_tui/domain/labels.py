"""What a person calls each stored field, in one place: validation messages, the sync conflict inbox and the
screens read their field names from here (status and move names live with their rules, domain/models.py
STATUS_RULES and domain/lifecycle.py MOVE_RULES).

No imports: the desk's first frame may read it without loading validation's pydantic."""

from __future__ import annotations

# The fields a person types (validation names them in its messages).
FIELD_LABELS = {
    "name": "姓名",
    "phone": "电话号码",
    "id_number": "证件号码",
    "id_kind": "证件类型",
    "category_code": "人才类别",
    "level_code": "人才工程层级",
    "enterprise_id": "所在企业",
    "township_code": "所属板块",
    "specialist_id": "联系专员",
    "card_no": "东吴人才卡号",
    "notes": "备注",
    "credit_code": "统一社会信用代码",
    "industry_code": "行业",
    "role": "角色",
    "office_id": "所在单位",
    "summary": "来电摘要",
    "measure": "服务举措",
    "duration_s": "通话时长",
    "direction": "呼叫方向",
    "outcome": "处理方式",
    "code": "单位代码",
    "kind": "单位类型",
    "reason": "原因",
}

# The fields only the desk itself writes (they can be in a sync conflict too).
DESK_FIELD_LABELS = {
    "deleted": "删除", "status": "状态", "measure_number": "服务举措", "assignee_site_id": "承办单位",
    "assignee_id": "承办专员", "due_date": "办理期限", "resolution": "办理结果", "confidential": "保密",
    "talent_id": "来电人", "active": "在岗", "return_reason": "退单原因", "extension_days": "延期天数",
    "extension_reason": "延期原因", "merged_into_id": "并入工单", "satisfied": "回访满意", "direct": "直接办结",
    "dispatched_at": "派单时间", "signed_at": "签收时间", "resolved_at": "办结时间", "visited_at": "回访时间",
    "archived_at": "归档时间", "opened_at": "受理时间", "opened_by_id": "受理人", "detail": "详情",
    "address": "地址", "contact": "联系人",
}

# `name` is a person's name (姓名) except on these records.
RECORD_FIELD_LABELS: dict[str, dict[str, str]] = {
    "enterprise": {"name": "企业名称"},
    "site": {"name": "单位名称"},
}


def field_label(field: str, record: str | None = None) -> str:
    """What a person calls `field` (of a `record` kind: enterprise, site…); an unknown one shows its own name."""
    return (RECORD_FIELD_LABELS.get(record or "", {}).get(field) or FIELD_LABELS.get(field)
            or DESK_FIELD_LABELS.get(field) or field)
