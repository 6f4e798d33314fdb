"""The full-screen review (``casecode review`` in a terminal), built on Textual.

A turn at a time: the turn between its neighbours, every suggestion on it highlighted in its
code's colour, and the list of the turn's suggestions with a cursor. Single keys decide (no
Enter); every decision is saved at once through the library (``decide``) as a batch, and ``u``
undoes them one by one (``undo``). Textual is imported inside ``make_app`` so that
``casecode --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from casecode.codebook.colours import code_colours
from casecode.codebook.use import project_codebook
from casecode.corpus.documents import get_document
from casecode.errors import CasecodeError
from casecode.project import Project, using_project
from casecode.review.queue import decide, review_queue
from casecode.review.undo import undo

# key(s), action, footer label (None: not in the footer), what it does
KEYS = [
    ("a", "accept", "accept", "accept the suggestion under the cursor"),
    ("r", "reject", "reject", "reject it"),
    ("c", "change", "change", "change its code (type a code, Enter)"),
    ("s", "skip", "skip", "skip it (the next suggestion, then the next turn)"),
    ("A", "accept_turn", "all ✓", "accept all the turn's open suggestions"),
    ("R", "reject_turn", "all ✗", "reject all the turn's open suggestions"),
    ("u", "undo", "undo", "undo the last decision (again for the one before)"),
    ("m", "memo", "memo", "write a memo on the suggestion"),
    ("f", "filter", "filter", "filter: code: rule: doc: coder: min: max: order:"),
    ("down,j", "cursor(1)", None, "next suggestion on the turn"),
    ("up,k", "cursor(-1)", None, "previous suggestion on the turn"),
    ("n,right", "turn(1)", None, "next turn"),
    ("p,left", "turn(-1)", None, "previous turn"),
    ("question_mark", "help", "keys", "show or hide these keys"),
    ("q", "quit", "quit", "quit (every decision is saved already)"),
]
FILTER_KEYS = {
    "code": "codes",
    "rule": "rules",
    "doc": "docs",
    "coder": "of",
    "min": "min_confidence",
    "max": "max_confidence",
    "order": "order",
}


def parse_filter(text: str, filters: dict[str, Any]) -> dict[str, Any]:
    """``code:X rule:Y doc:Z coder:auto min:0.2 max:0.8 order:confidence`` over ``filters``;
    ``code:`` (nothing after it) drops that filter."""
    new = dict(filters)
    for word in text.split():
        key, sep, value = word.partition(":")
        if not sep or key not in FILTER_KEYS:
            raise CasecodeError(
                f"'{word}' is not a filter", hint="code: rule: doc: coder: min: max: order:"
            )
        name = FILTER_KEYS[key]
        if not value:
            new[name] = "auto" if name == "of" else "document" if name == "order" else None
        elif name in ("min_confidence", "max_confidence"):
            try:
                new[name] = float(value)
            except ValueError:
                raise CasecodeError(f"{key}: '{value}' is not a number") from None
        elif name in ("codes", "rules", "docs"):
            new[name] = [v for v in value.split(",") if v]
        else:
            new[name] = value
    return new


def turns_of(queue: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The turns of the queue, each once, in the queue's order."""
    return list(dict.fromkeys((q["document"], q["turn"]) for q in queue))


def make_app(
    project: str | Path | Project | None,
    queue: list[dict[str, Any]],
    *,
    reviewer: str,
    filters: dict[str, Any] | None = None,
):
    """The review app over ``queue`` (``review_queue``'s items)."""
    from rich.markup import escape
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import VerticalScroll
    from textual.widgets import Footer, Input, Static

    with using_project(project) as proj:
        colours = code_colours(project_codebook(proj))

    class ReviewApp(App):
        CSS = """
        #progress { background: $boost; padding: 0 1; height: 1; }
        #context { height: 1fr; padding: 0 1; }
        #list { height: auto; max-height: 12; padding: 0 1; border-top: solid $accent; }
        #message { height: auto; padding: 0 1; }
        #help { display: none; padding: 0 1; border: round $accent; }
        #help.shown { display: block; }
        #ask { display: none; }
        #ask.shown { display: block; }
        """
        BINDINGS = [
            Binding(key, action, label or "", show=label is not None)
            for key, action, label, _ in KEYS
        ]

        def __init__(self) -> None:
            super().__init__()
            self.filters = {"of": "auto", "order": "document", **(filters or {})}
            self.load(queue)
            # each step u undoes, the last last: its batches and how many decisions it made
            # (a memo is a step of no decision)
            self.undo_steps: list[tuple[list[int], int]] = []
            self.asking: str | None = None  # "change", "memo" or "filter"
            self.documents: dict[str, dict[str, Any]] = {}

        # -- state ------------------------------------------------------------------------

        def load(self, items: list[dict[str, Any]]) -> None:
            self.items = items
            self.status = {q["id"]: q["status"] for q in items}
            self.turns = turns_of(items)
            self.turn_index = 0
            self.cursor = 0

        def on_turn(self) -> list[dict[str, Any]]:
            if not self.turns:
                return []
            here = self.turns[self.turn_index]
            return [q for q in self.items if (q["document"], q["turn"]) == here]

        @property
        def made(self) -> int:
            """Decisions made in this review and not undone."""
            return sum(n for _, n in self.undo_steps)

        @property
        def decided(self) -> int:
            return sum(1 for v in self.status.values() if v != "suggested")

        @property
        def open(self) -> int:
            return sum(1 for v in self.status.values() if v == "suggested")

        # -- drawing ----------------------------------------------------------------------

        def compose(self) -> ComposeResult:
            yield Static(id="progress")
            with VerticalScroll(id="context"):
                yield Static(id="turns")
            yield Static(id="list")
            yield Static(id="message")
            yield Input(id="ask")
            yield Static(
                "\n".join(f"{k.replace('question_mark', '?'):>14}  {d}" for k, _, _, d in KEYS),
                id="help",
            )
            yield Footer()

        def on_mount(self) -> None:
            self.title = "casecode review"
            self.refresh_view()

        def say(self, message: str) -> None:
            self.query_one("#message", Static).update(message)

        def refresh_view(self) -> None:
            shown = ", ".join(
                f"{k}:{v if not isinstance(v, list) else ','.join(map(str, v))}"
                for k, name in FILTER_KEYS.items()
                if (v := self.filters.get(name)) not in (None, [], False)
                and not (name == "of" and v == "auto")
                and not (name == "order" and v == "document")
            )
            where = f"turn {self.turn_index + 1}/{len(self.turns)}" if self.turns else "no turns"
            self.query_one("#progress", Static).update(
                f"{escape(reviewer)} · {where} · decided {self.decided} · open {self.open}"
                + (f" · {escape(shown)}" if shown else "")
                + " · ? keys"
            )
            here = self.on_turn()
            turns = self.query_one("#turns", Static)
            listing = self.query_one("#list", Static)
            if not here:
                turns.update("Nothing to review with these filters (f to change them).")
                listing.update("")
                return
            self.cursor = min(self.cursor, len(here) - 1)
            turns.update(self.context(here))
            lines = []
            for k, q in enumerate(here):
                mark = "▶" if k == self.cursor else " "
                state = self.status[q["id"]]
                badge = {"suggested": "·", "accepted": "✓", "rejected": "✗"}.get(state, "?")
                colour = colours.get(q["code"], "white")
                conf = "" if q["confidence"] is None else f" {q['confidence']:.2f}"
                lines.append(
                    f"{mark} {badge} [{colour}]■[/] [bold]{escape(q['code'])}[/] "
                    f"{escape(q['label'])} [dim]rule {escape(q['rule'] or '')}{conf} · "
                    f"{state}[/]"
                )
            listing.update("\n".join(lines))

        def context(self, here: list[dict[str, Any]]) -> Text:
            doc_name, turn = here[0]["document"], here[0]["turn"]
            if doc_name not in self.documents:
                self.documents[doc_name] = get_document(project, doc_name)
            doc = self.documents[doc_name]
            by_n = {t["n"]: t for t in doc["turns"]}
            text = Text()
            text.append(f"{doc_name}\n", style="bold")
            for n in (turn - 1, turn, turn + 1):
                t = by_n.get(n)
                if t is None:
                    continue
                speaker = f"{t['speaker']}: " if t["speaker"] else ""
                line = Text(f"{n:>4} {speaker}")
                body = Text(t["text"])
                if n == turn:
                    line.stylize("bold")
                    base = t["start"]
                    for k, q in enumerate(here):
                        colour = colours.get(q["code"], "yellow")
                        a, b = q["start"] - base, q["end"] - base
                        if (a, b) != (0, len(t["text"])) and k == self.cursor:
                            body.stylize("underline", max(a, 0), max(b, 0))
                        for ev in q["evidence"] or []:
                            style = f"bold {colour}" + (" reverse" if k == self.cursor else "")
                            body.stylize(style, ev["start"] - base, ev["end"] - base)
                else:
                    body.stylize("dim")
                    line.stylize("dim")
                text.append_text(line)
                text.append_text(body)
                text.append("\n\n")
            current = here[self.cursor]
            if current["definition"]:
                text.append(f"{current['code']}: {current['definition']}", style="italic dim")
            return text

        # -- actions ----------------------------------------------------------------------

        def current(self) -> dict[str, Any] | None:
            here = self.on_turn()
            return here[self.cursor] if here else None

        def action_cursor(self, step: int) -> None:
            here = self.on_turn()
            if here:
                self.cursor = max(0, min(len(here) - 1, self.cursor + step))
            self.refresh_view()

        def action_turn(self, step: int) -> None:
            if self.turns:
                self.turn_index = max(0, min(len(self.turns) - 1, self.turn_index + step))
                self.cursor = 0
            self.refresh_view()

        def advance(self) -> None:
            """The next suggestion on the turn still open, else the next turn."""
            here = self.on_turn()
            for k in range(self.cursor + 1, len(here)):
                if self.status[here[k]["id"]] == "suggested":
                    self.cursor = k
                    return
            if self.turn_index < len(self.turns) - 1:
                self.turn_index += 1
                self.cursor = 0

        def decide_on(
            self,
            items: list[dict[str, Any]],
            action: str,
            code: str | None = None,
            memo: str | None = None,
        ) -> bool:
            batches = []
            try:
                for q in items:
                    result = decide(
                        project, q["id"], action, reviewer=reviewer, code=code, memo=memo
                    )
                    self.status[q["id"]] = result.get("status", self.status[q["id"]])
                    batches.append(result["batch"])
            except CasecodeError as exc:
                self.say(f"[red]{escape(str(exc))}[/]")
                return False
            finally:
                if batches:
                    self.undo_steps.append((batches, 0 if action == "memo" else len(batches)))
            return True

        def action_accept(self) -> None:
            self.one("accept")

        def action_reject(self) -> None:
            self.one("reject")

        def one(self, action: str) -> None:
            q = self.current()
            if q is None:
                return
            if self.decide_on([q], action):
                self.say(f"{'accepted' if action == 'accept' else 'rejected'}: {q['code']}")
                self.advance()
            self.refresh_view()

        def action_accept_turn(self) -> None:
            self.whole_turn("accept")

        def action_reject_turn(self) -> None:
            self.whole_turn("reject")

        def whole_turn(self, action: str) -> None:
            open_here = [q for q in self.on_turn() if self.status[q["id"]] == "suggested"]
            if not open_here:
                self.say("nothing open on this turn")
                return
            if self.decide_on(open_here, action):
                done = "accepted" if action == "accept" else "rejected"
                self.say(f"{done} {len(open_here)} suggestion(s) on the turn")
                if self.turn_index < len(self.turns) - 1:
                    self.turn_index += 1
                    self.cursor = 0
            self.refresh_view()

        def action_skip(self) -> None:
            here = self.on_turn()
            if self.cursor < len(here) - 1:
                self.cursor += 1
            elif self.turn_index < len(self.turns) - 1:
                self.turn_index += 1
                self.cursor = 0
            self.refresh_view()

        def action_undo(self) -> None:
            if not self.undo_steps:
                self.say("nothing to undo in this review")
                return
            batches, decisions = self.undo_steps.pop()
            undone = 0
            try:
                for batch in reversed(batches):
                    result = undo(project, batch=batch, by=reviewer)
                    undone += 1
                    for coding_id, status in result["codings"].items():
                        if coding_id in self.status and status is not None:
                            self.status[coding_id] = status
            except CasecodeError as exc:
                if undone < len(batches):  # what is not undone stays to undo
                    left = batches[: len(batches) - undone]
                    self.undo_steps.append((left, min(decisions, len(left))))
                self.say(f"[red]{escape(str(exc))}[/]")
                self.refresh_view()
                return
            first = next((q for q in self.items if q["id"] in result["codings"]), None)
            if first is not None:  # back to where it was decided
                self.turn_index = self.turns.index((first["document"], first["turn"]))
                self.cursor = [q["id"] for q in self.on_turn()].index(first["id"])
            self.say(f"undone ({decisions} decision(s))" if decisions else "memo undone")
            self.refresh_view()

        def ask(self, what: str, placeholder: str) -> None:
            self.asking = what
            box = self.query_one("#ask", Input)
            box.value = ""
            box.placeholder = placeholder + " (Enter; Esc cancels)"
            box.add_class("shown")
            box.focus()

        def action_change(self) -> None:
            if self.current() is not None:
                self.ask("change", "code: id, last part of an id, or words of a label")

        def action_memo(self) -> None:
            if self.current() is not None:
                self.ask("memo", "memo on this suggestion")

        def action_filter(self) -> None:
            self.ask("filter", "code:X rule:Y doc:Z coder:auto min:0.2 max:0.9 order:confidence")

        def action_help(self) -> None:
            self.query_one("#help", Static).toggle_class("shown")

        def close_ask(self) -> None:
            self.asking = None
            box = self.query_one("#ask", Input)
            box.remove_class("shown")
            self.set_focus(None)

        def on_key(self, event) -> None:
            if event.key == "escape" and self.asking:
                self.close_ask()
                self.say("cancelled")
                event.stop()

        def on_input_submitted(self, event) -> None:
            what, text = self.asking, event.value.strip()
            self.close_ask()
            if not text:
                self.say("cancelled")
                return
            q = self.current()
            if what == "change" and q is not None:
                if self.decide_on([q], "recode", code=text):
                    self.say(f"changed {q['code']} to {text}")
                    self.advance()
            elif what == "memo" and q is not None:
                if self.decide_on([q], "memo", memo=text):
                    self.say(f"memo saved on coding {q['id']}")
            elif what == "filter":
                try:
                    new = parse_filter(text, self.filters)
                    items = review_queue(project, **new)
                except CasecodeError as exc:
                    self.say(f"[red]{escape(str(exc))}[/]")
                else:
                    self.filters = new
                    self.load(items)
                    self.say(f"{len(items)} suggestion(s) on {len(self.turns)} turn(s)")
            self.refresh_view()

    return ReviewApp()


def run_reviewer(
    project: str | Path | Project | None,
    queue: list[dict[str, Any]],
    *,
    reviewer: str,
    filters: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Run the full-screen review; returns how many of its suggestions are decided and open."""
    app = make_app(project, queue, reviewer=reviewer, filters=filters)
    app.run()
    return {"decided": app.made, "open": app.open}
