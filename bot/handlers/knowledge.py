"""The knowledge the office grows from the chat (issue 8).

- Every resident answer in a chat is logged without who asked (text, language, time, chat type, how it
  went) and carries one helpful / not helpful row; the first press is kept, a second changes nothing, and
  a press is accepted only from the message the answer went out in (forged data is refused).
- /unanswered (staff): the last 30 days' unanswered, fallback and not-helpful questions, grouped by
  similarity (bot.core.questions.faq.similar_groups), most frequent first, each with a button that asks
  for the answer; the staff member's next message becomes a FAQ entry and the engine matches it at once.
- /faq add | list | edit N | remove N (staff): entries in one or both languages, audited as visits are.
"""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from functools import cache

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import UNANSWERED_WINDOW_DAYS
from bot.core.faqfile import duplicate_of, entry_problem
from bot.core.model import LANGUAGES, Language
from bot.core.questions import Answer, Intent
from bot.core.questions.faq import TEXT_LIMIT, FaqEntry, similar_groups
from bot.core.text import script_language
from bot.handlers.chat import Context, alert, language_of, send
from bot.handlers.staff_gate import StaffHere, staff_data, staff_here
from bot.locale import catalogue
from bot.replies.reply import Button, Reply, fit
from bot.runtime import Runtime
from storage.knowledge import Outcome

FEEDBACK = "fb:"
WRITE_ANSWER = "faqw:"
PENDING = "faq_answer_for"  # user_data: the logged question a staff member is writing the answer to
_FEEDBACK_DATA = re.compile(r"^fb:(\d{1,19}):([01])$")
_WRITE_DATA = re.compile(r"^faqw:(\d{1,19})$")
NO_FEEDBACK = frozenset({Intent.GREETING, Intent.THANKS, Intent.EMPTY, Intent.HELP, Intent.OFF_TOPIC})
UNANSWERED_DAYS = UNANSWERED_WINDOW_DAYS
UNANSWERED_GROUPS = 10
LOGGED_TEXT = 1000  # the most of a question the log keeps


def outcome(answer: Answer) -> Outcome:
    if answer.intent is Intent.NO_MATCH:
        return "unanswered"
    return "fallback" if answer.extra.get("fallback") else "answered"


KEYBOARD_KEYS = ("all", "estonia", "oldest", "help")  # the /start keyboard's buttons (bot.handlers.residents)


@cache
def keyboard_buttons() -> frozenset[str]:
    """The /start keyboard's labels in every language (the catalogue does not change while running)."""
    texts = catalogue()
    return frozenset(str(texts.raw(lang, f"keyboard.{key}")) for lang in LANGUAGES for key in KEYBOARD_KEYS)


def is_keyboard_button(text: str) -> bool:
    """A /start keyboard button pressed: a command in words, not a question to log or mark."""
    return text in keyboard_buttons()


async def send_answer(message: Message, rt: Runtime, answer: Answer, reply: Reply, text: str) -> None:
    """The answer, logged (no resident id) with its feedback row when it is about the partner towns."""
    if answer.intent in NO_FEEDBACK or is_keyboard_button(text.strip()):
        await send(message, reply)
        return
    question_id = await rt.knowledge.log_question(
        text[:LOGGED_TEXT], answer.language, message.chat.type, outcome(answer), answer.intent.value
    )
    r = rt.replies()
    row = (
        Button(r.t(answer.language, "feedback.helpful"), f"{FEEDBACK}{question_id}:1"),
        Button(r.t(answer.language, "feedback.not_helpful"), f"{FEEDBACK}{question_id}:0"),
    )
    sent = await send(message, Reply(reply.text, (*reply.buttons, row)))
    await rt.knowledge.answer_sent(question_id, sent.message_id)


async def feedback(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    lang = await language_of(update, context, getattr(query.message, "text", None))
    replies = rt.replies()
    found = _FEEDBACK_DATA.match(query.data)
    message = query.message
    if found is None or message is None:
        await alert(query, replies.t(lang, "feedback.stale"), show_alert=True)
        return
    stored = await rt.knowledge.mark(int(found.group(1)), message.message_id, found.group(2) == "1")
    if stored is None:
        await alert(query, replies.t(lang, "feedback.stale"), show_alert=True)
        return
    await alert(query, replies.t(lang, "feedback.thanks" if stored else "feedback.already"))
    if stored and isinstance(message, Message) and message.reply_markup is not None:
        rows = [
            [button for button in row if not str(button.callback_data or "").startswith(FEEDBACK)]
            for row in message.reply_markup.inline_keyboard
        ]
        kept = [row for row in rows if row]
        # the message may be too old to edit: the mark is stored anyway
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(InlineKeyboardMarkup(kept) if kept else None)


# ---- /unanswered ------------------------------------------------------------------------------------


@staff_data("unanswered")
async def unanswered(update: Update, context: Context, gate: StaffHere) -> None:
    message = update.effective_message
    if message is None:
        return
    rt, lang = context.runtime, gate.lang
    replies = rt.replies()
    logged = await rt.knowledge.to_answer(rt.now() - timedelta(days=UNANSWERED_DAYS))
    if not logged:
        await send(message, Reply(replies.t(lang, "unanswered.none", days=UNANSWERED_DAYS)))
        return
    groups = sorted(similar_groups([item.text for item in logged]), key=len, reverse=True)[:UNANSWERED_GROUPS]
    lines: list[str] = [replies.t(lang, "unanswered.header", days=UNANSWERED_DAYS, count=len(logged))]
    buttons: list[tuple[Button, ...]] = []
    for number, group in enumerate(groups, start=1):
        first = logged[group[0]]
        not_helpful = sum(1 for index in group if logged[index].helpful == 0)
        lines.append(
            replies.t(
                lang,
                "unanswered.line",
                number=number,
                text=first.text[:200],
                count=len(group),
                not_helpful=replies.t(lang, "unanswered.not_helpful", count=not_helpful)
                if not_helpful
                else "",
            )
        )
        buttons.append(
            (Button(replies.t(lang, "unanswered.write", number=number), f"{WRITE_ANSWER}{first.id}"),)
        )
    lines.append(replies.t(lang, "unanswered.footer"))
    await send(message, Reply(fit(lines), tuple(buttons)))


async def write_answer_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    gate = await staff_here(update, context, "faq")
    if gate is None:
        return
    rt, lang = context.runtime, gate.lang
    replies = rt.replies()
    found = _WRITE_DATA.match(query.data)
    logged = await rt.knowledge.logged(int(found.group(1))) if found else None
    if logged is None or query.message is None or context.user_data is None:
        await alert(query, replies.t(lang, "feedback.stale"), show_alert=True)
        return
    context.user_data[PENDING] = logged.id
    await alert(query)
    question_lang = "ru" if logged.language == "ru" else "en"
    await context.bot.send_message(
        query.message.chat.id,
        replies.t(
            lang,
            "unanswered.ask",
            text=logged.text[:300],
            language=replies.t(lang, f"faq.language_{question_lang}"),
        ),
    )


async def pending_answer(update: Update, context: Context) -> None:
    """A staff member's message after "write an answer": the FAQ entry for the logged question."""
    message = update.effective_message
    if message is None or message.text is None or context.user_data is None:
        return
    question_id = context.user_data.get(PENDING)
    if question_id is None:
        return  # not writing an answer: the message goes on to the other handlers
    gate = await staff_here(update, context, "faq")
    if gate is None:
        context.user_data.pop(PENDING, None)
        raise ApplicationHandlerStop
    rt, lang = context.runtime, gate.lang
    replies = rt.replies()
    logged = await rt.knowledge.logged(int(question_id))
    if logged is None:
        context.user_data.pop(PENDING, None)
        await send(message, Reply(replies.t(lang, "feedback.stale")))
        raise ApplicationHandlerStop
    text = message.text.strip()
    if logged.language == "ru":
        entry = FaqEntry(0, logged.text, "", text, "")
    else:
        entry = FaqEntry(0, "", logged.text, "", text)
    problem = await _problem(rt, entry, lang)
    if problem is not None:
        await send(message, Reply(problem))  # still waiting: the next message is tried again
        raise ApplicationHandlerStop
    # the similar questions of the list go with it (the list showed them as one)
    waiting = await rt.knowledge.to_answer(rt.now() - timedelta(days=UNANSWERED_DAYS))
    texts = [logged.text, *(item.text for item in waiting if item.id != logged.id)]
    group = next(group for group in similar_groups(texts) if 0 in group)
    others = [item.id for item in waiting if item.id != logged.id]
    ids = [logged.id, *(others[index - 1] for index in group if index)]
    stored = await rt.knowledge.add_faq(entry, gate.actor, question_ids=ids)
    context.user_data.pop(PENDING, None)
    await rt.reload_faq()
    await send(message, Reply(replies.t(lang, "faq.saved", number=stored.number)))
    raise ApplicationHandlerStop


async def cancel_pending(update: Update, context: Context) -> None:
    if context.user_data is None or context.user_data.pop(PENDING, None) is None:
        return  # nothing of ours to cancel: /cancel goes on to the forms
    message = update.effective_message
    if message is not None:
        lang = await language_of(update, context)
        await send(message, Reply(context.runtime.replies().t(lang, "faq.cancelled")))
    raise ApplicationHandlerStop


# ---- /faq -------------------------------------------------------------------------------------------


def parse_blocks(text: str, fallback: Language) -> dict[Language, tuple[str, str]] | str:
    """ "QUESTION | ANSWER || QUESTION | ANSWER" -> {language: (question, answer)}, or an error key."""
    blocks: dict[Language, tuple[str, str]] = {}
    for block in text.split("||"):
        if not block.strip():
            continue
        question, bar, answer = block.partition("|")
        if not bar:
            return "faq.error.format"
        question, answer = question.strip(), answer.strip()
        lang = script_language(question) or fallback
        if lang in blocks:
            return "faq.error.same_language"
        blocks[lang] = (question, answer)
    return blocks or "faq.error.empty"


async def _problem(rt: Runtime, entry: FaqEntry, lang: Language) -> str | None:
    replies = rt.replies()
    problem = entry_problem(entry)
    if problem == "too_long":
        longest = max(len(entry.answer_ru), len(entry.answer_en))
        return replies.t(lang, "faq.error.too_long", length=longest, limit=TEXT_LIMIT)
    if problem is not None:
        return replies.t(lang, f"faq.error.{problem}")
    twin = duplicate_of(entry, await rt.knowledge.faq())
    if twin is not None:
        return replies.t(lang, "faq.error.duplicate", number=twin.number)
    return None


def _with(entry: FaqEntry, blocks: dict[Language, tuple[str, str]]) -> FaqEntry:
    ru = blocks.get("ru", (entry.question_ru, entry.answer_ru))
    en = blocks.get("en", (entry.question_en, entry.answer_en))
    return FaqEntry(entry.number, ru[0], en[0], ru[1], en[1])


def _entry_lines(rt: Runtime, lang: Language, entry: FaqEntry) -> list[str]:
    replies = rt.replies()
    lines: list[str] = [replies.t(lang, "faq.list_number", number=entry.number)]
    for code, question, answer in (
        ("ru", entry.question_ru, entry.answer_ru),
        ("en", entry.question_en, entry.answer_en),
    ):
        if question:
            lines.append(
                replies.t(lang, "faq.list_line", language=code, question=question, answer=answer[:160])
            )
    return lines


@staff_data("faq", remember_actor=True)
async def faq_command(update: Update, context: Context, gate: StaffHere) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt, lang = context.runtime, gate.lang
    replies = rt.replies()
    _, _, rest = message.text.partition(" ")
    verb, _, args = rest.strip().partition(" ")
    verb = verb.split("\n")[0].lower()
    if verb == "list":
        entries = await rt.knowledge.faq()
        if not entries:
            await send(message, Reply(replies.t(lang, "faq.list_empty")))
            return
        lines: list[str] = [replies.t(lang, "faq.list_header", count=len(entries))]
        for entry in entries:
            lines.extend(["", *_entry_lines(rt, lang, entry)])
        await send(message, Reply(fit(lines)))
        return
    if verb in ("add", "edit"):
        number: int | None = None
        if verb == "edit":
            head, _, args = args.strip().partition(" ")
            number = int(head) if head.isdigit() else None
            if number is None:
                await send(message, Reply(replies.t(lang, "faq.error.number")))
                return
        blocks = parse_blocks(args, lang)
        if isinstance(blocks, str):
            await send(message, Reply(replies.t(lang, blocks)))
            return
        if number is None:
            entry = _with(FaqEntry(0, "", "", "", ""), blocks)
        else:
            old = await rt.knowledge.faq_entry(number)
            if old is None:
                await send(message, Reply(replies.t(lang, "faq.error.not_found", number=number)))
                return
            entry = _with(old, blocks)
        problem = await _problem(rt, entry, lang)
        if problem is not None:
            await send(message, Reply(problem))
            return
        if number is None:
            stored = await rt.knowledge.add_faq(entry, gate.actor)
            key = "faq.saved"
        else:
            edited = await rt.knowledge.edit_faq(entry, gate.actor)
            if edited is None:
                await send(message, Reply(replies.t(lang, "faq.error.not_found", number=number)))
                return
            stored, key = edited, "faq.edited"
        await rt.reload_faq()
        missing = [code for code, q in (("ru", stored.question_ru), ("en", stored.question_en)) if not q]
        text = replies.t(lang, key, number=stored.number)
        if missing:
            other = replies.t(lang, f"faq.language_{missing[0]}")
            text = replies.t(lang, "faq.one_language", saved=text, language=other)
        await send(message, Reply(text))
        return
    if verb == "remove":
        head = args.strip()
        if not head.isdigit():
            await send(message, Reply(replies.t(lang, "faq.error.number")))
            return
        removed = await rt.knowledge.remove_faq(int(head), gate.actor)
        if removed is None:
            await send(message, Reply(replies.t(lang, "faq.error.not_found", number=int(head))))
            return
        await rt.reload_faq()
        await send(message, Reply(replies.t(lang, "faq.removed", number=removed.number)))
        return
    await send(message, Reply(replies.t(lang, "faq.usage")))


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    return [
        # group -2 (a group of its own: the forwards of group -1 still run): a staff member's answer to
        # "write an answer" comes before any form or question
        (-2, MessageHandler(private_text, pending_answer)),
        (-2, CommandHandler("cancel", cancel_pending, filters=filters.ChatType.PRIVATE)),
        (0, CommandHandler("faq", faq_command, block=False)),
        (0, CommandHandler("unanswered", unanswered, block=False)),
        (0, CallbackQueryHandler(feedback, pattern=f"^{FEEDBACK}", block=False)),
        (0, CallbackQueryHandler(write_answer_button, pattern=f"^{WRITE_ANSWER}", block=False)),
    ]
