"""A talent's page: profile (personal numbers masked unless the role needs them), one timeline, actions."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from dongwu_tui.domain.models import IdKind
from dongwu_tui.services.views import TalentProfile, TimelineEntry
from dongwu_tui.ui.lines import fit
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.screens.base import DeskScreen
from dongwu_tui.ui.sync_notice import ConflictBanner

# Every field of a talent a desk may change (those of `dongwu talent edit`).
TALENT_EDIT_FIELDS = (
    ("name", "姓名"), ("phone", "电话"), ("id_kind", "证件类型（居民身份证 / 护照）"), ("id_number", "证件号码"),
    ("category_code", "人才类别"), ("level_code", "人才工程层级"), ("township_code", "所属板块"),
    ("enterprise_id", "所在企业（名称或统一社会信用代码）"), ("specialist_id", "联系专员"), ("card_no", "东吴人才卡号"),
    ("notes", "备注"),
)



def profile_rows(profile: TalentProfile) -> list[tuple[str, str]]:
    """The profile as the page shows it: label and text, one line each."""
    return [
        ("姓名", profile.name),
        ("电话", profile.phone),
        (profile.id_kind.label, profile.id_number),
        ("人才类别", profile.category),
        ("工程层级", profile.level),
        ("所在企业", profile.enterprise),
        ("所属板块", profile.township),
        ("联系专员", profile.specialist),
        ("人才卡号", profile.card_no),
        ("备注", profile.notes),
    ]


class TalentScreen(DeskScreen):
    TITLE_TEXT = "人才档案"
    BINDINGS = [
        Binding("c", "log_call", "登记来电", id="talent.log_call"),
        Binding("r", "open_request", "新开工单", id="talent.open_request"),
        Binding("e", "edit", "修改", id="talent.edit"),
        Binding("z", "reveal", "显示完整号码", id="talent.reveal"),
    ]

    def __init__(self, talent_id: str) -> None:
        super().__init__()
        self.talent_id = talent_id
        self.talent: Any = None
        self.entries: list[TimelineEntry] = []
        self.full = False  # this person's numbers are shown in full (need to know, or a reveal)

    def body(self) -> ComposeResult:
        yield ConflictBanner("talent", id="conflict-banner")  # sync
        with Horizontal(id="talent-page"):
            yield Static("正在加载……", id="profile")
            yield OptionList(id="timeline")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#timeline", OptionList).focus()

    def reload(self) -> None:
        desk, talent_id = self.desk, self.talent_id
        self.fetch(lambda: (desk.talents.get(talent_id), desk.views.talent_profile(talent_id),
                            desk.views.timeline(talent_id), desk.privacy.talent_needs_numbers(
                                talent_id, desk.talents.get(talent_id).specialist_id)), then=self.show_page)

    def show_page(self, value: tuple[Any, TalentProfile, list[TimelineEntry], bool]) -> None:
        self.talent, profile, self.entries, self.full = value
        self.query_one(ConflictBanner).show_for(self.talent_id)  # sync
        rows = profile_rows(profile)
        width = max(cell_len(label) for label, _ in rows) + 2
        lines = [f"{escape(fit(label, width))}{escape(text)}" for label, text in rows]
        lines += ["", "c 登记来电　r 新开工单　e 修改　z 显示完整号码　Esc 返回"]
        self.query_one("#profile", Static).update("\n".join(lines))
        timeline = self.query_one("#timeline", OptionList)
        timeline.clear_options()
        if not self.entries:
            timeline.add_option(Option("暂无来电和工单记录", disabled=True))
        for entry in self.entries:
            mark = "☎" if entry.kind == "call" else "▣"
            timeline.add_option(Option(f"{entry.at:%Y-%m-%d %H:%M} {mark} {escape(entry.title)}\n    {escape(entry.detail)}"))
        timeline.border_title = f"来电与工单（{len(self.entries)}）"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_index >= len(self.entries):
            return
        entry = self.entries[event.option_index]
        if entry.request_id:
            self.desk_app.open_request(entry.request_id)

    def action_log_call(self) -> None:
        if self.talent is not None:
            self.desk_app.start_call(phone=self.talent.phone, full=self.full)  # the outcome F2 starts with

    def action_open_request(self) -> None:
        if self.talent is not None:
            self.desk_app.start_call(phone=self.talent.phone, outcome="request", full=self.full)

    def action_reveal(self) -> None:
        if self.talent is None:
            return
        from dongwu_tui.ui.screens.dialogs import RevealDialog

        desk, talent_id = self.desk, self.talent_id

        def revealed(done: Any) -> None:
            if done:
                self.reload()

        self.app.push_screen(RevealDialog(self.talent.name, lambda reason: desk.privacy.reveal(
            talent_id, reason, "人才档案")), revealed)

    def action_edit(self) -> None:
        if self.talent is None:
            return
        from dongwu_tui.ui.screens.dialogs import TalentEditDialog

        talent = self.talent
        directory = self.desk.directory
        township = directory.townships.get(talent.township_code or "")
        # Without the need to see personal numbers the phone and ID fields start empty: typing replaces them.
        unmasked = self.full
        values = {
            "name": talent.name,
            "phone": talent.phone if unmasked else "",
            "id_kind": talent.id_kind.label,
            "id_number": (talent.id_number or "") if unmasked else "",
            "category_code": directory.talent_categories.get(talent.category_code, talent.category_code),
            "level_code": directory.talent_levels.get(talent.level_code, talent.level_code),
            "township_code": township.name if township else "",
            "enterprise_id": talent.enterprise_name or "",
            "specialist_id": talent.specialist_name or "",
            "card_no": talent.card_no or "",
            "notes": talent.notes,
        }

        desk, talent_id = self.desk, self.talent_id

        def perform(result: dict[str, Any]) -> Any:
            reason = result.pop("reason", "")
            if "id_kind" in result:  # typed as its label (居民身份证 / 护照)
                result["id_kind"] = next((k.value for k in IdKind if result["id_kind"] in (k.label, k.value)),
                                         result["id_kind"])
            return desk.talents.update(talent_id, reason=reason, **result)

        def edited(talent: Any) -> None:
            if talent is not None:
                self.got_edited(talent)

        # The dialog saves and stays open on a refusal, with what was typed.
        self.app.push_screen(TalentEditDialog(values, perform, TALENT_EDIT_FIELDS), edited)

    def got_edited(self, talent: Any) -> None:
        self.notify(f"已更新 {talent.name} 的信息。", markup=False)
        self.reload()
