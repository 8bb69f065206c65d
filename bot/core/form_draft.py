"""The draft of one open /visit form: where it is, what it knows (FormValues), what it has already taken,
with the one JSON pair the handler keeps it in between updates (bot/handlers/visits/drafts.py).

Pure Python (no telegram). The form's rules are in bot/core/visit_form.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any, Literal

from bot.core.model import LANGUAGES, Language
from bot.core.visit_form import BLANK, FIELD_STEP, STEPS, FormValues, expired, new_form_id
from bot.core.visits import Visit

REMEMBERED = 8  # message and query ids a draft remembers, to notice Telegram delivering one again


@dataclass(slots=True)
class FormDraft:
    """An open form between updates: where it is, what it knows, and what it has already taken.

    Kept as JSON (:meth:`to_json`, :meth:`from_json`) in the user's data, which bot/persistence.py
    writes to SQLite with the conversation state. `mode` "edit" changes one `field` of the saved visit
    `visit_id` (at `revision`); "new" records a visit. `fixing`: a field of a new visit is being
    changed from the confirmation card, which comes back next.
    """

    id: str
    lang: Language
    touched: str  # ISO time of the last step; a draft idle for FORM_TIMEOUT is closed
    mode: Literal["new", "edit"] = "new"
    step: str = STEPS[0]
    values: FormValues = BLANK
    fixing: bool = False
    visit_id: int | None = None
    revision: int | None = None
    field: str | None = None
    messages: list[int] = dataclass_field(default_factory=list)
    last_message: int = 0
    queries: list[str] = dataclass_field(default_factory=list)

    @classmethod
    def new(cls, lang: Language, now: datetime) -> FormDraft:
        return cls(id=new_form_id(), lang=lang, touched=now.isoformat())

    @classmethod
    def editing(cls, lang: Language, now: datetime, visit: Visit, field_name: str) -> FormDraft:
        """A one-field form for a saved visit, at the step that asks for `field_name`."""
        return cls(
            id=new_form_id(),
            lang=lang,
            touched=now.isoformat(),
            mode="edit",
            step=FIELD_STEP[field_name],
            values=FormValues.of(visit),
            visit_id=visit.id,
            revision=visit.revision,
            field=field_name,
        )

    def restarted(self, now: datetime) -> FormDraft:
        """A fresh form at step 1 ("start over") that still knows the messages already taken."""
        fresh = FormDraft.new(self.lang, now)
        fresh.messages, fresh.last_message = list(self.messages), self.last_message
        return fresh

    def expired(self, now: datetime) -> bool:
        return expired(self.touched, now)

    def take_message(self, message_id: int) -> bool:
        """Note a message the form has taken; False when it was taken already (delivered again).

        Only the exact ids are remembered: a message with a lower id than the last one (a form from an
        earlier session, a chat moved to another bot) is a new answer and gets an answer of its own."""
        if message_id in self.messages or message_id == self.last_message:
            return False
        self.messages = [*self.messages, message_id][-REMEMBERED:]
        self.last_message = message_id
        return True

    def take_query(self, query_id: str) -> bool:
        """Note a button press the form has taken; False when it was taken already (query ids are unique)."""
        if query_id in self.queries:
            return False
        self.queries = [*self.queries, query_id][-REMEMBERED:]
        return True

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "lang": self.lang,
            "touched": self.touched,
            "mode": self.mode,
            "step": self.step,
            "values": self.values.to_json(),
            "fixing": self.fixing,
            "messages": list(self.messages),
            "last_message": self.last_message,
            "queries": list(self.queries),
        }
        if self.mode == "edit":
            data.update(visit_id=self.visit_id, revision=self.revision, field=self.field)
        return data

    @classmethod
    def from_json(cls, data: Any) -> FormDraft | None:
        """A draft as :meth:`to_json` stored it; None when it cannot be read (no id, no language).

        A step this version does not know is kept as it is: the handler starts such a form again."""
        if not isinstance(data, Mapping):
            return None
        form_id, lang = data.get("id"), data.get("lang")
        if not isinstance(form_id, str) or lang not in LANGUAGES:
            return None
        mode: Literal["new", "edit"] = "edit" if data.get("mode") == "edit" else "new"
        visit_id, revision, field_name = data.get("visit_id"), data.get("revision"), data.get("field")
        editing = type(visit_id) is int and type(revision) is int and field_name in FIELD_STEP
        if mode == "edit" and not editing:
            return None
        values, touched, last = data.get("values"), data.get("touched"), data.get("last_message")
        return cls(
            id=form_id,
            lang=lang,
            touched=touched if isinstance(touched, str) else "",
            mode=mode,
            step=str(data.get("step")),
            values=FormValues.from_json(values if isinstance(values, Mapping) else {}),
            fixing=data.get("fixing") is True,
            visit_id=visit_id if mode == "edit" else None,
            revision=revision if mode == "edit" else None,
            field=field_name if mode == "edit" else None,
            messages=_ids(data.get("messages"), int),
            last_message=last if type(last) is int else 0,
            queries=_ids(data.get("queries"), str),
        )


def _ids(value: Any, kind: type) -> list[Any]:
    return [item for item in value if type(item) is kind][-REMEMBERED:] if isinstance(value, list) else []
