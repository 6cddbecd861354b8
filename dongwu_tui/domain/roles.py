"""Who works at the desk: the four roles and what each may see."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "话务员",
    Role.SPECIALIST: "人才工作专员",
    Role.SUPERVISOR: "督办负责人",
    Role.ADMIN: "系统管理员",
}


class SiteKind(StrEnum):
    DISTRICT = "district"
    TOWNSHIP = "township"
    ZONE = "zone"
    DEPARTMENT = "department"  # a district bureau's 部门人才服务窗口, a handling unit (承办单位)

    @property
    def label(self) -> str:
        return {"district": "区中心", "township": "镇（街道）", "zone": "开发区",
                "department": "部门人才服务窗口"}[self.value]


def sees_personal_data(role: Role) -> bool:
    """Operators match callers by number and specialists contact their talents; both need the plain
    numbers. Supervisors review figures, so lists and reports show them masked (PIPL minimum use)."""
    return role in (Role.OPERATOR, Role.SPECIALIST)
