"""Hotline intake (来电登记): number first, the caller appears, then measure, summary, outcome; Ctrl+S saves.

Designed for the fewest keys on a known caller: a complete mobile number jumps to the measure, a measure
number that can mean only one measure jumps to the summary, and the outcome defaults to opening a request
dispatched to the caller's own specialist (or to attaching the call when the caller already has an open
request about that measure).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from dongwu_tui.domain.identifiers import InvalidIdentifier, normalize_phone
from dongwu_tui.domain.knowledge import StandardAnswer
from dongwu_tui.domain.lifecycle import MOVE_RULES, Move
from dongwu_tui.domain.models import CallOutcome, Measure, ServiceRequest, Site
from dongwu_tui.services.search import match_measures
from dongwu_tui.ui.fields import Field
from dongwu_tui.ui.safe import escape
from dongwu_tui.ui.screens.base import DeskScreen

if TYPE_CHECKING:
    from dongwu_tui.services.views import CallerCard

OUTCOMES = [CallOutcome.ANSWERED, CallOutcome.REQUEST, CallOutcome.TRANSFER, CallOutcome.ATTACHED]


class OutcomeBar(Widget, can_focus=True):
    """The outcome as one row of choices: 1–4 picks, ←/→ moves."""

    DEFAULT_CSS = """
    OutcomeBar { height: 1; width: 1fr; }
    OutcomeBar:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("1", "pick(0)", "当场答复", show=False, id="intake.outcome_answered"),
        Binding("2", "pick(1)", "转工单", show=False, id="intake.outcome_request"),
        Binding("3", "pick(2)", "转接", show=False, id="intake.outcome_transfer"),
        Binding("4", "pick(3)", "并入已有工单", show=False, id="intake.outcome_attach"),
        Binding("left", "step(-1)", "上一个", show=False, id="intake.outcome_left"),
        Binding("right", "step(1)", "下一个", show=False, id="intake.outcome_right"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = CallOutcome.REQUEST
        self.attach_available = False

    def render(self) -> str:
        parts = []
        for i, outcome in enumerate(OUTCOMES):
            if outcome is CallOutcome.ATTACHED and not self.attach_available:
                continue
            label = f"{i + 1} {outcome.label}"
            parts.append(f"[reverse b]{label}[/]" if outcome is self.value else label)
        return "　".join(parts)

    def set(self, outcome: CallOutcome) -> None:
        if outcome is CallOutcome.ATTACHED and not self.attach_available:
            return
        self.value = outcome
        self.refresh()
        self.post_message(OutcomeChanged(outcome))

    def action_pick(self, index: int) -> None:
        self.set(OUTCOMES[index])

    def action_step(self, delta: int) -> None:
        choices = [o for o in OUTCOMES if o is not CallOutcome.ATTACHED or self.attach_available]
        index = choices.index(self.value) if self.value in choices else 0
        self.set(choices[(index + delta) % len(choices)])


class OutcomeChanged(Message):
    def __init__(self, outcome: CallOutcome) -> None:
        super().__init__()
        self.outcome = outcome


@dataclass
class CallDraft:
    """What the form knows so far about the call in progress."""

    phone: str | None = None
    card: CallerCard | None = None
    looked_up: bool = False
    measure: Measure | None = None
    repeat: ServiceRequest | None = None
    started: float | None = None
    saved: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    offers: list[StandardAnswer] = field(default_factory=list)  # standard answers for the measure and question
    answer: StandardAnswer | None = None  # the one inserted into 当场答复


class IntakeScreen(DeskScreen):
    TITLE_TEXT = "来电登记"
    BINDINGS = [
        Binding("ctrl+s", "save(False)", "保存", id="intake.save", priority=True),
        Binding("ctrl+n", "save(True)", "保存并下一个", id="intake.save_next", priority=True),
        Binding("ctrl+d", "toggle_dispatch", "派单开关", id="intake.toggle_dispatch", priority=True),
        Binding("ctrl+o", "open_talent", "来电人档案", id="intake.open_talent", priority=True),
        Binding("ctrl+l", "clear", "清空", id="intake.clear", priority=True),
        Binding("ctrl+b", "insert_answer", "插入标准答复", id="intake.insert_answer", priority=True),
        Binding("f8", "missed", "未接来电", id="intake.missed", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.draft = CallDraft()
        self.measures: list[Measure] = []
        self.sites: dict[str, Site] = {}
        self.categories: dict[str, str] = {}
        self.townships: dict[str, str] = {}
        self.dispatch = True

    def body(self) -> ComposeResult:
        with Horizontal(id="intake"):
            with VerticalScroll(id="intake-form"):
                yield Static("光标会自动前进：手机号输满 11 位跳到下一项，举措编号唯一时跳到来电摘要。",
                             id="auto-advance", classes="hint")
                yield Label("来电号码")
                yield Field(placeholder="输入来电号码，如 13812345678", id="phone")
                with Vertical(id="new-talent", classes="hidden"):
                    yield Static("未登记的号码：保存时同时建立人才档案", classes="warning")
                    yield Label("姓名")
                    yield Field(placeholder="来电人姓名", id="new-name")
                    yield Label("人才类别")
                    yield Select([], prompt="请选择人才类别", id="new-category")
                    yield Label("所属板块")
                    yield Select([], prompt="请选择所属板块", id="new-township")
                yield Label("服务举措")
                yield Field(placeholder="编号、名称、拼音或首字母", id="measure")
                yield Static("", id="measure-choice", classes="hint")
                yield Label("来电摘要")
                yield Field(placeholder="来电人反映的事项", id="summary")
                yield Static("", id="answers", classes="hint")
                yield Label(self._outcome_label(False), id="outcome-label")
                yield OutcomeBar(id="outcome")
                yield Static("", id="repeat", classes="warning hidden")
                yield Label("答复内容（当场答复时必填）", id="resolution-label")
                yield Field(placeholder="当场答复的内容", id="resolution")
                yield Static("", id="dispatch", classes="hint")
                yield Label("通话时长（分钟，可不填，默认自动计时）")
                yield Field(placeholder="自动计时", id="duration")
                yield Static("", id="status", classes="hint")
            with Vertical(id="intake-side"):
                yield Static("请输入来电号码，来电人的信息会显示在这里。", id="caller")
                yield Static("", id="callbacks", classes="hint")

    def on_mount(self) -> None:
        desk = self.desk
        self.fetch(lambda: (
            list(desk.directory.measures.values()),
            {s.code: s for s in desk.directory.sites()},
            dict(desk.directory.talent_categories),
            {code: t.name for code, t in desk.directory.townships.items() if not t.retired},  # new talents only
        ), then=self.show_catalogue)
        self._update_outcome_fields()
        self._read_callbacks()
        self.query_one("#phone", Input).focus()

    def show_catalogue(self, value: tuple[Any, ...]) -> None:
        self.measures, self.sites, self.categories, self.townships = value
        self.query_one("#new-category", Select).set_options([(n, c) for c, n in self.categories.items()])
        self.query_one("#new-township", Select).set_options([(n, c) for c, n in self.townships.items()])
        self._show_measure_choices(self.query_one("#measure", Input).value)

    def prefill(self, phone: str | None = None, outcome: str | None = None, full: bool = False,
                **_: Any) -> None:
        """Filled in from elsewhere (a talent's page): start a fresh call for this number."""
        self.action_clear()
        if phone:
            box = self.query_one("#phone", Input)
            # A call started from a talent's page: the number is there to be saved with the call, shown as
            # dots until the field is cleared (Ctrl+L) unless that page showed it in full.
            box.password = not full
            box.value = phone
        if outcome:
            self.query_one(OutcomeBar).set(CallOutcome(outcome))
        self.query_one("#measure", Input).focus()

    # -- the caller ------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.draft.started is None and event.value:
            self.draft.started = time.monotonic()
        if event.input.id == "phone":
            self._phone_changed(event.value)
        elif event.input.id == "measure":
            self._measure_typed(event.value)
        elif event.input.id == "summary":
            self._offer_answers()

    def _phone_changed(self, text: str) -> None:
        try:
            phone = normalize_phone(text) if len(text.strip()) >= 7 else None
        except InvalidIdentifier:
            phone = None
        if phone == self.draft.phone:
            return
        self.draft.phone, self.draft.card, self.draft.looked_up, self.draft.repeat = phone, None, False, None
        self._update_repeat()
        if phone is None:
            self.query_one("#caller", Static).update("请输入来电号码，来电人的信息会显示在这里。")
            self.query_one("#new-talent").add_class("hidden")
            self._update_outcome_fields()
            return
        desk = self.desk
        self.query_one("#caller", Static).update("正在查找来电人……")
        self.read(lambda: desk.views.caller_card(phone), then=partial(self.show_caller, phone))

    def show_caller(self, phone: str, card: CallerCard | None) -> None:
        if phone != self.draft.phone:
            return
        self.draft.card, self.draft.looked_up = card, True
        self.query_one("#caller", Static).update(self._caller_text(card))
        self.query_one("#new-talent").set_class(card is not None, "hidden")
        self._update_outcome_fields()
        self._check_repeat()
        phone_input = self.query_one("#phone", Input)
        if phone_input.has_focus and len(phone) == 11:
            # A complete mobile number: go straight on to what comes next.
            (self.query_one("#measure", Input) if card else self.query_one("#new-name", Input)).focus()

    def _caller_text(self, card: CallerCard | None) -> str:
        if card is None:
            return "[b]未登记的号码[/b]\n\n保存时将用左侧填写的姓名、类别和板块建立人才档案。"
        talent = card.talent
        lines = [
            f"[b]{escape(talent.name)}[/b]　{escape(card.category_name)}",
            f"企业：{escape(talent.enterprise_name or '—')}",
            f"板块：{escape(card.township_name or '—')}",
            f"专员：{escape(talent.specialist_name or '—')}",
            f"人才卡：{escape(talent.card_no or '—')}",
            "",
            "[b]未办结工单[/b]",
        ]
        lines += [f"  {r.number}　{r.status.label}　举措{r.measure}　{escape(r.summary)}"
                  for r in card.open_requests] or ["  无"]
        lines += ["", "[b]最近来电[/b]"]
        lines += [f"  {c.at:%m-%d %H:%M}　{c.outcome.label}　{escape(c.summary)}" for c in card.calls] or ["  无"]
        return "\n".join(lines)

    # -- the measure ----------------------------------------------------------------------------

    def _measure_typed(self, text: str) -> None:
        text = text.strip()
        if self.draft.measure is not None and text != self._measure_label(self.draft.measure):
            self.draft.measure = None
            self.draft.repeat = None
            self._update_repeat()
            self._offer_answers()
        if self.draft.measure is not None:
            return
        matches = self._show_measure_choices(text)
        if text.isdigit() and matches and str(matches[0].number) == text:
            # "3" or "11" can mean only one measure once no longer number starts with it.
            if not any(str(m.number).startswith(text) and str(m.number) != text for m in matches):
                self._choose_measure(matches[0], advance=True)

    def _measure_label(self, measure: Measure) -> str:
        return f"{measure.number} {measure.name}"

    def _show_measure_choices(self, text: str) -> list[Measure]:
        matches = match_measures(self.measures, text) if self.measures else []
        if self.draft.measure is not None:
            shown = f"已选：{self.draft.measure.number} {self.draft.measure.name}（{self.draft.measure.category_name}）"
        elif not text.strip():
            shown = "输入编号（1–18）、名称、拼音或首字母；Enter 选第一项"
        elif not matches:
            shown = "没有匹配的服务举措"
        else:
            shown = "　".join(f"{m.number} {m.name}" for m in matches[:4])
        self.query_one("#measure-choice", Static).update(escape(shown))
        return matches

    def _choose_measure(self, measure: Measure, *, advance: bool) -> None:
        self.draft.measure = measure
        field = self.query_one("#measure", Input)
        with field.prevent(Input.Changed):
            field.value = self._measure_label(measure)
        self._show_measure_choices(field.value)
        self._check_repeat()
        self._offer_answers()
        if advance:
            self.query_one("#summary", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "measure" and self.draft.measure is None:
            matches = match_measures(self.measures, event.value)
            if matches:
                self._choose_measure(matches[0], advance=True)
            return
        if event.input.id == "summary":
            # An Enter typed out of habit right after the measure jumped here must not skip the summary.
            if event.value.strip():
                self.query_one(OutcomeBar).focus()
            return
        self.focus_next()

    # -- repeat calls ----------------------------------------------------------------------------

    def _check_repeat(self) -> None:
        draft = self.draft
        if draft.phone is None or draft.measure is None or not draft.looked_up:
            return
        desk, phone, number = self.desk, draft.phone, draft.measure.number
        talent_id = draft.card.talent.id if draft.card else None
        self.read(lambda: desk.requests.find_repeat(phone, number, talent_id),
                  then=partial(self.show_repeat, phone, number))

    def show_repeat(self, phone: str, number: int, repeat: ServiceRequest | None) -> None:
        if phone != self.draft.phone or self.draft.measure is None or self.draft.measure.number != number:
            return
        self.draft.repeat = repeat
        self._update_repeat()

    @staticmethod
    def _outcome_label(attach_available: bool) -> str:
        # The keys named are the choices on show: 4 (并入已有工单) only when there is a request to join.
        return f"处理方式（按 1–{4 if attach_available else 3} 选择，←→ 切换）"

    def _update_repeat(self) -> None:
        bar = self.query_one(OutcomeBar)
        notice = self.query_one("#repeat", Static)
        repeat = self.draft.repeat
        bar.attach_available = repeat is not None
        self.query_one("#outcome-label", Label).update(self._outcome_label(bar.attach_available))
        if repeat is None:
            notice.add_class("hidden")
            if bar.value is CallOutcome.ATTACHED:
                bar.set(CallOutcome.REQUEST)
            bar.refresh()
            return
        notice.update(
            f"⚠ 该来电人已有同一举措的未办结工单 {repeat.number}（{repeat.status.label}）：{escape(repeat.summary)}\n"
            "已默认「4 并入已有工单」；如确属新事项，按 2 另开新工单。"
        )
        notice.remove_class("hidden")
        bar.set(CallOutcome.ATTACHED)

    # -- outcome and dispatch ----------------------------------------------------------------------

    def on_outcome_changed(self, message: OutcomeChanged) -> None:
        self._update_outcome_fields()

    def _dispatch_target(self) -> tuple[Site | None, str | None, str]:
        """Where a new request would go: the caller's township office and their own specialist."""
        card = self.draft.card
        township = card.talent.township_code if card else None
        if card is None:
            value = self.query_one("#new-township", Select).value
            township = value if isinstance(value, str) else None
        site = self.sites.get(township or "")
        specialist_id = card.talent.specialist_id if card else None
        specialist_name = (card.talent.specialist_name or "") if card else ""
        return site, specialist_id, specialist_name

    def _may_dispatch(self) -> bool:
        actor = self.desk.actor
        return actor is not None and actor.role in MOVE_RULES[Move.DISPATCH].roles

    def _update_outcome_fields(self) -> None:
        self.refresh_bindings()
        outcome = self.query_one(OutcomeBar).value
        answered = outcome is CallOutcome.ANSWERED
        self.query_one("#resolution").set_class(not answered, "hidden")
        self.query_one("#resolution-label").set_class(not answered, "hidden")
        line = self.query_one("#dispatch", Static)
        if outcome is not CallOutcome.REQUEST:
            line.update("")
            return
        if not self._may_dispatch():
            line.update("转工单后由话务员或督办负责人派单。")
            return
        site, _, specialist = self._dispatch_target()
        if site is None:
            line.update("派单：未确定承办单位，保存后在工单页派单。")
        elif self.dispatch:
            who = f"，专员 {specialist}" if specialist else ""
            line.update(f"保存后立即派往 {site.name}{who}（Ctrl+D 改为暂不派单）")
        else:
            line.update("暂不派单，保存后在工单页派单（Ctrl+D 改为立即派单）")

    def on_select_changed(self, event: Select.Changed) -> None:
        self._update_outcome_fields()

    def action_toggle_dispatch(self) -> None:
        self.dispatch = not self.dispatch
        self._update_outcome_fields()

    # -- saving ---------------------------------------------------------------------------------------

    def _duration(self) -> int:
        text = self.query_one("#duration", Input).value.strip()
        if text:
            if ":" in text:
                minutes, _, seconds = text.partition(":")
                if minutes.isdigit() and seconds.isdigit():
                    return int(minutes) * 60 + int(seconds)
            try:
                return max(0, round(float(text) * 60))
            except ValueError:
                return 0
        return int(time.monotonic() - self.draft.started) if self.draft.started else 0

    def _call_values(self) -> dict[str, Any] | str:
        draft = self.draft
        phone_text = self.query_one("#phone", Input).value
        outcome = self.query_one(OutcomeBar).value
        values: dict[str, Any] = {
            "phone": phone_text,
            "summary": self.query_one("#summary", Input).value,
            "measure": draft.measure.number if draft.measure else None,
            "outcome": outcome.value,
            "duration_s": self._duration(),
            "resolution": self.query_one("#resolution", Input).value if outcome is CallOutcome.ANSWERED else "",
        }
        if draft.measure is None and self.query_one("#measure", Input).value.strip():
            return "服务举措未选定：请在举措栏按 Enter 选择。"
        if outcome is CallOutcome.ATTACHED:
            if draft.repeat is None:
                return "没有可以并入的未办结工单。"
            values["attach_to"] = draft.repeat.number
        if outcome is CallOutcome.ANSWERED and draft.answer is not None:
            values["answer_id"] = draft.answer.id
        if outcome is CallOutcome.REQUEST and draft.repeat is not None:
            values["force_new"] = True  # the operator chose a new request over attaching
        if draft.looked_up and draft.card is None:
            name = self.query_one("#new-name", Input).value.strip()
            category = self.query_one("#new-category", Select).value
            township = self.query_one("#new-township", Select).value
            if name:
                values["new_talent"] = {
                    "name": name,
                    "category_code": category if isinstance(category, str) else "industry",
                    **({"township_code": township} if isinstance(township, str) else {}),
                }
        if outcome is CallOutcome.REQUEST and self.dispatch and self._may_dispatch():
            site, specialist_id, _ = self._dispatch_target()
            if site is not None:
                values["dispatch_to"] = site.id
                if specialist_id:
                    values["dispatch_staff"] = specialist_id
        return values

    def action_save(self, then_next: bool) -> None:
        if self.draft.saved:
            if then_next:
                self.action_clear()
            else:
                self.notify(f"本次来电已保存；按 {self._next_call_key()} 开始下一个来电。", markup=False)
            return
        values = self._call_values()
        if isinstance(values, str):
            self.notify(values, title="未保存", severity="warning", markup=False)
            return
        desk = self.desk
        self.query_one("#status", Static).update("正在保存……")
        self.fetch(lambda: desk.calls.log(**values), then=partial(self.show_saved, then_next), failed=self.save_failed)

    def show_saved(self, then_next: bool, result: Any) -> None:
        who = result.talent.name if result.talent else "未登记来电人"
        text = f"已登记来电：{who}，{result.call.outcome.label}"
        if result.request is not None:
            text += f"；工单 {result.request.number}（{result.request.status.label}，期限 {result.request.due}）"
        self.notify(text, title="已保存", markup=False)
        self.draft.saved = True
        if then_next:
            self.action_clear()
        else:
            self.query_one("#status", Static).update(escape(f"{text}\n按 {self._next_call_key()} 开始下一个来电。"))
            # The caller's panel again, with this call and its request (a new caller now has a record).
            phone, desk = self.draft.phone, self.desk
            if phone is not None:
                self.fetch(lambda: desk.views.caller_card(phone), then=partial(self.show_card_after_save, phone))

    def _next_call_key(self) -> str:
        """The key that starts the next call as the key line shows it (remapped, or Alt+N in a browser)."""
        for _node, binding, _enabled, _tooltip in self.active_bindings.values():
            if binding.id == "intake.save_next":
                return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in binding.key.split("+"))
        return "Ctrl+N"

    def show_card_after_save(self, phone: str, card: CallerCard | None) -> None:
        if phone != self.draft.phone or not self.draft.saved:
            return
        self.draft.card = card
        self.query_one("#caller", Static).update(self._caller_text(card))
        self.query_one("#new-talent").set_class(card is not None, "hidden")
        self.refresh_bindings()

    def save_failed(self, message: str) -> None:
        self.query_one("#status", Static).update("")
        self.app.notify(message, title="未保存", severity="error", timeout=10, markup=False)

    def action_clear(self) -> None:
        self.draft = CallDraft()
        self.dispatch = True
        for box in self.query(Input):
            with box.prevent(Input.Changed):
                box.value = ""
        self.query_one("#phone", Input).password = False
        for select in self.query(Select):
            select.clear()
        bar = self.query_one(OutcomeBar)
        bar.attach_available = False
        bar.value = CallOutcome.REQUEST
        bar.refresh()
        self.query_one("#outcome-label", Label).update(self._outcome_label(False))
        self.query_one("#new-talent").add_class("hidden")
        self.query_one("#repeat").add_class("hidden")
        self.query_one("#status", Static).update("")
        self.query_one("#caller", Static).update("请输入来电号码，来电人的信息会显示在这里。")
        self._show_measure_choices("")
        self.query_one("#answers", Static).update("")
        self._update_outcome_fields()
        self._read_callbacks()
        self.query_one("#phone", Input).focus()

    def unsaved_call(self) -> bool:
        """Something typed for a call not saved yet (the app asks before F9 or Ctrl+Q drops it)."""
        if self.draft.saved:
            return False
        return any(box.value.strip() for box in self.query(Input))

    def action_open_talent(self) -> None:
        card = self.draft.card
        if card is None:
            self.notify("尚未识别来电人。", markup=False)
            return
        from dongwu_tui.ui.screens.talent import TalentScreen

        self.app.push_screen(TalentScreen(card.talent.id))

    # -- standard answers (知识库) -------------------------------------------------------------------

    def _offer_answers(self) -> None:
        """The standard answers in force for the chosen measure that match the question typed so far."""
        measure = self.draft.measure
        if self.draft.answer is not None and (measure is None or self.draft.answer.measure != measure.number):
            self.draft.answer = None  # an answer inserted for another measure is no longer the one used
        if measure is None:
            self.draft.offers = []
            self.query_one("#answers", Static).update("")
            return
        desk, number, text = self.desk, measure.number, self.query_one("#summary", Input).value
        self.read(lambda: desk.answers.offered(number, text), then=partial(self.show_answers, number))

    def show_answers(self, number: int, offers: list[StandardAnswer]) -> None:
        if self.draft.measure is None or self.draft.measure.number != number:
            return
        self.draft.offers = offers
        self._show_answer_line()
        self.refresh_bindings()

    def _show_answer_line(self) -> None:
        offers, chosen = self.draft.offers, self.draft.answer
        if chosen is not None:
            text = f"已引用标准答复：{chosen.title}（第 {chosen.version} 版）"
            if len(offers) > 1:
                text += "；再按 Ctrl+B 换下一条"
        elif offers:
            names = "　".join(f"{i + 1}. {a.title}" for i, a in enumerate(offers[:3]))
            text = f"标准答复（Ctrl+B 插入第一条）：{names}"
        else:
            text = ""
        self.query_one("#answers", Static).update(escape(text))

    def action_insert_answer(self) -> None:
        """Put the best matching answer into 当场答复 (again: the next one), and choose 当场答复."""
        offers = self.draft.offers
        if not offers:
            self.notify("该举措没有匹配的标准答复。", markup=False)
            return
        current = self.draft.answer
        index = (offers.index(current) + 1) % len(offers) if current in offers else 0
        answer = offers[index]
        self.draft.answer = answer
        self.query_one(OutcomeBar).set(CallOutcome.ANSWERED)
        box = self.query_one("#resolution", Input)
        box.value = answer.body
        self._show_answer_line()

    # -- the callback queue (回电) -------------------------------------------------------------------

    def _read_callbacks(self) -> None:
        desk = self.desk
        if desk.actor is None:
            return
        self.read(lambda: desk.callbacks.queue(), then=self.show_callbacks)

    def show_callbacks(self, items: list[Any]) -> None:
        if not items:
            self.query_one("#callbacks", Static).update("回电清单：无待办")
            return
        now = self.desk.clock()
        overdue = sum(1 for item in items if item.due_at < now)
        lines = [f"[b]回电清单 {len(items)} 项[/b]" + (f"（已超时 {overdue}）" if overdue else "")]
        privacy = self.desk.privacy
        full = privacy.needs_numbers(caller=True)  # the queue is there to be dialled back
        for item in items[:5]:
            phone, note = privacy.phone(item.phone, full), privacy.text(item.note, full)
            lines.append(f"  {item.due_at:%m-%d %H:%M}　{item.kind.label}　{phone}　{escape(note[:12])}")
        self.query_one("#callbacks", Static).update("\n".join(lines))

    def action_missed(self) -> None:
        """F8: the number typed is a missed or dropped call, to be called back (it goes to the queue)."""
        phone = self.draft.phone
        if phone is None:
            self.notify("请先输入来电号码。", markup=False)
            return
        desk = self.desk
        self.fetch(lambda: desk.callbacks.missed(phone), then=self.show_missed, failed=self.save_failed)

    def show_missed(self, item: Any) -> None:
        self.notify(f"已登记未接来电，回电期限 {item.due_at:%H:%M}。", title="已保存", markup=False)
        self.action_clear()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "insert_answer":
            return bool(self.draft.offers)
        if action == "toggle_dispatch":
            try:
                return self.query_one(OutcomeBar).value is CallOutcome.REQUEST and self._may_dispatch()
            except NoMatches:
                return False
        if action == "open_talent":
            return self.draft.card is not None
        return super().check_action(action, parameters)
