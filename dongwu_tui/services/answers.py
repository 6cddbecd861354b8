"""Standard answers (知识库): supervisors write and approve them, intake offers the ones in force.

An answer has versions: a revision is a new draft in the same lineage, and approving it supersedes the
approved version before it, so a call records exactly which wording it was given. Only an approved,
current answer within its validity dates is offered at intake or accepted on a call.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import NotFound, ValidationFailed
from dongwu_tui.domain.knowledge import REF_LENGTH, StandardAnswer
from dongwu_tui.domain.roles import Role
from dongwu_tui.domain.safetext import check_text

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_ASCII_QUERY = re.compile(r"^[a-z0-9 ]+$")


def answer_from_row(row: Any) -> StandardAnswer:
    return StandardAnswer(
        id=row.id, measure=row.measure_number, lineage_id=row.lineage_id, version=row.version, title=row.title,
        body=row.body, keywords=row.keywords, policy_doc=row.policy_doc, policy_date=row.policy_date,
        valid_from=row.valid_from, valid_to=row.valid_to, written_by_id=row.written_by_id,
        approved_by_id=row.approved_by_id, approved_at=row.approved_at, superseded_by_id=row.superseded_by_id,
        site_id=row.site_id,
    )


def keyword_list(keywords: str) -> list[str]:
    return [k for k in _SEPARATORS.split(keywords) if k]


def match_score(answer: StandardAnswer, query: str, pinyin: str, initials: str) -> int:
    """How well a typed question (or pinyin, or pinyin initials) matches an answer; 0 for no match.

    Chinese text matches by keywords found in the question, the question found in the title or keywords,
    and the two-character pieces the question shares with the title and keywords; latin letters match
    the start of the pinyin or initials of the title and keywords, or anywhere in them."""
    text = query.strip().lower()
    if not text:
        return 1
    if _ASCII_QUERY.match(text):
        compact = text.replace(" ", "")
        if initials.startswith(compact) or pinyin.startswith(compact):
            return 100
        return 50 if compact in initials or compact in pinyin else 0
    haystack = f"{answer.title} {answer.keywords}".lower()
    score = 0
    if text in haystack:
        score += 100
    score += sum(10 for k in keyword_list(answer.keywords.lower()) if k in text)
    pieces = {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}
    score += sum(1 for piece in pieces if piece.strip() and piece in haystack)
    return score


class AnswerService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    # -- writes -----------------------------------------------------------------------------------

    def add(self, *, measure: int, title: str, body: str, keywords: str = "", policy_doc: str = "",
            policy_date: date | None = None, valid_from: date | None = None, valid_to: date | None = None,
            replaces: str | None = None, reason: str = "") -> StandardAnswer:
        """A new answer (version 1), or with `replaces` a new version of that answer: a draft until approved."""
        actor = self.desk.require(Role.SUPERVISOR, action="编写标准答复")
        self.desk.directory.measure(measure)
        title, body = (title or "").strip(), (body or "").strip()
        if len(title) < 2:
            raise ValidationFailed("标题至少 2 个字。")
        if len(body) < 2:
            raise ValidationFailed("答复内容至少 2 个字。")
        for value, label, multiline in ((title, "标题", False), (body, "答复内容", True),
                                        (keywords, "关键词", False), (policy_doc, "政策文件", False)):
            check_text(value, label, multiline=multiline)
        if valid_from and valid_to and valid_to < valid_from:
            raise ValidationFailed("有效期止不能早于有效期起。")
        with self.desk.office.write():
            lineage_id, version = None, 1
            if replaces:
                earlier = self.get(replaces)
                lineage_id = earlier.lineage_id
                a = self.t.StandardAnswerRow
                version = (a.select(a.version).where(a.lineage_id == lineage_id).order_by(a.version.desc())
                           .first().version) + 1
            at = self.desk.clock()
            answer_id = self.desk.new_id(at)
            from dongwu_tui.domain.pinyin import pinyin_keys

            words = " ".join([title, *keyword_list(keywords)])
            full, initials = pinyin_keys(words)
            self.t.StandardAnswerRow.insert(
                id=answer_id, measure_number=measure, lineage_id=lineage_id or answer_id, version=version,
                title=title, body=body, keywords=keywords.strip(), search_pinyin=full, search_initials=initials,
                policy_doc=policy_doc.strip(), policy_date=policy_date, valid_from=valid_from, valid_to=valid_to,
                written_by_id=actor.id, **self.desk.record_fields(at),
            ).execute()
            self.desk.audit("standard_answer", answer_id, "add",
                            {"measure": measure, "title": title, "version": version}, reason)
        return self.get(answer_id)

    def approve(self, ref: str, *, reason: str = "") -> StandardAnswer:
        """Approve a draft: it becomes the answer offered, and the version it revises is superseded."""
        actor = self.desk.require(Role.SUPERVISOR, action="审核标准答复")
        answer = self.get(ref)
        if answer.approved:
            raise ValidationFailed(f"标准答复 {answer.ref}（第 {answer.version} 版）已审核。")
        a = self.t.StandardAnswerRow
        with self.desk.office.write():
            at = self.desk.clock()
            a.update(approved_by_id=actor.id, approved_at=at, updated_at=at).where(a.id == answer.id).execute()
            earlier = a.select().where((a.lineage_id == answer.lineage_id) & (a.id != answer.id)
                                       & a.approved_at.is_null(False) & a.superseded_by_id.is_null()
                                       & (a.version < answer.version))
            for row in earlier:
                a.update(superseded_by_id=answer.id, updated_at=at).where(a.id == row.id).execute()
            self.desk.audit("standard_answer", answer.id, "approve", {"version": answer.version}, reason)
        return self.get(answer.id)

    def record_use(self, answer_id: str, call_id: str, measure: int | None = None) -> None:
        """Record that a call's 当场答复 used this answer (in the caller's write transaction)."""
        answer = self.get(answer_id)
        if measure is not None and answer.measure != measure:
            raise ValidationFailed(f"标准答复「{answer.title}」属于服务举措 {answer.measure}，与来电的举措 {measure} 不符。")
        today = self.desk.clock().date()
        if not answer.offered_on(today):
            raise ValidationFailed(f"标准答复「{answer.title}」未审核、已被新版本取代或不在有效期内，不能引用。")
        at = self.desk.clock()
        self.t.AnswerUseRow.insert(
            id=self.desk.new_id(at), call_id=call_id, answer_id=answer.id, version=answer.version, at=at,
            actor_id=self.desk.actor.id if self.desk.actor else None, **self.desk.record_fields(at),
        ).execute()

    # -- reads ------------------------------------------------------------------------------------

    def get(self, ref: str) -> StandardAnswer:
        """An answer by id, or by the last characters of its id as lists show them (at least 6)."""
        a = self.t.StandardAnswerRow
        text = (ref or "").strip().lower()
        row = a.get_or_none((a.id == text) & (a.deleted == False))  # noqa: E712
        if row is None and len(text) >= 6 and re.fullmatch(r"[0-9a-f]+", text):
            rows = list(a.select().where((a.deleted == False)  # noqa: E712
                                         & (a.id.endswith(text[:REF_LENGTH]))).limit(2))
            if len(rows) > 1:
                raise ValidationFailed(f"编号「{ref}」对应多条标准答复，请给出完整编号。")
            row = rows[0] if rows else None
        if row is None:
            raise NotFound(f"没有找到标准答复「{ref}」。")
        return answer_from_row(row)

    def list(self, *, measure: int | None = None, include_old: bool = False) -> list[StandardAnswer]:
        """Answers by measure and title: this office's drafts and every approved one; superseded versions with
        `include_old`."""
        a = self.t.StandardAnswerRow
        # Another office's drafts travel with its answers but are its own business until approved.
        query = a.select().where((a.deleted == False)  # noqa: E712
                                 & ((a.site_id == self.desk.site_id) | a.approved_at.is_null(False)))
        if measure is not None:
            query = query.where(a.measure_number == measure)
        if not include_old:
            query = query.where(a.superseded_by_id.is_null())
        return [answer_from_row(row) for row in query.order_by(a.measure_number, a.title, a.version)]

    def versions(self, ref: str) -> list[StandardAnswer]:
        answer = self.get(ref)
        a = self.t.StandardAnswerRow
        rows = a.select().where((a.lineage_id == answer.lineage_id) & (a.deleted == False)).order_by(a.version)  # noqa: E712
        return [answer_from_row(row) for row in rows]

    def offered(self, measure: int | None, query: str = "", *, on: date | None = None,
                limit: int = 8) -> list[StandardAnswer]:
        """The answers intake offers for a measure and a typed question (or its pinyin or initials), best
        match first: approved, current, in force on the day (today by the desk's clock)."""
        if measure is None:
            return []
        day = on or self.desk.clock().date()
        a = self.t.StandardAnswerRow
        rows = a.select().where((a.deleted == False) & (a.measure_number == measure)  # noqa: E712
                                & a.approved_at.is_null(False) & a.superseded_by_id.is_null())
        scored = []
        for row in rows:
            answer = answer_from_row(row)
            if not answer.offered_on(day):
                continue
            score = match_score(answer, query, row.search_pinyin, row.search_initials)
            if score > 0:
                scored.append((-score, answer.title, answer))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [answer for _, _, answer in scored[:limit]]

    def used_on(self, call_id: str) -> StandardAnswer | None:
        u = self.t.AnswerUseRow
        row = u.get_or_none((u.call_id == call_id) & (u.deleted == False))  # noqa: E712
        return self.get(row.answer_id) if row else None

    def figures(self, *, since: datetime | None = None, until: datetime | None = None,
                repeat_days: int = 30) -> dict[str, Any]:
        """The knowledge base's figures: 直接办结 by answer, answers never used, and answers used on a call that
        was followed by another call from the same number about the same measure within `repeat_days`."""
        window = []
        params: list[Any] = []
        if since is not None:
            window.append("u.at >= ?")
            params.append(since)
        if until is not None:
            window.append("u.at < ?")
            params.append(until)
        where = (" AND " + " AND ".join(window)) if window else ""
        sql = f"""
            SELECT a.lineage_id, a.measure_number, max(a.title),
                   count(DISTINCT u.call_id),
                   count(DISTINCT CASE WHEN c.outcome = 'answered' THEN u.call_id END),
                   count(DISTINCT CASE WHEN EXISTS (
                       SELECT 1 FROM call later WHERE later.deleted = 0 AND later.phone = c.phone
                         AND later.measure_number = c.measure_number AND later.at > c.at
                         AND julianday(later.at) - julianday(c.at) <= ?) THEN u.call_id END)
            FROM answer_use u JOIN standard_answer a ON a.id = u.answer_id JOIN call c ON c.id = u.call_id
            WHERE u.deleted = 0 AND c.deleted = 0{where}
            GROUP BY a.lineage_id, a.measure_number ORDER BY a.measure_number, max(a.title)"""
        used = {}
        for lineage, measure, title, uses, answered, repeated in self.desk.office.db.execute_sql(
                sql, [repeat_days, *params]):
            used[lineage] = {"answer": lineage, "ref": lineage.replace("-", "")[-REF_LENGTH:], "measure": measure,
                             "title": title, "uses": uses, "answered": answered, "repeat_calls": repeated}
        never = [{"ref": a.ref, "measure": a.measure, "title": a.title, "version": a.version}
                 for a in self.list() if a.approved and a.lineage_id not in used]
        return {"by_answer": list(used.values()), "never_used": never,
                "answered_with_answer": sum(v["answered"] for v in used.values()),
                "followed_by_repeat": [v for v in used.values() if v["repeat_calls"]]}
