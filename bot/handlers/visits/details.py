"""What a visit record holds beside its fields: the participants with the head of the delegation, and
files (photos, the programme, the protocol).

    /participants N            the whole list; /participants N + lines "Name — role": set it; "-": clear
    /head N Name — role        mark (or add) the head of the delegation; /head N -: nobody is the head
    /attach N                  the next files this staff member sends here go to visit N (15 minutes,
                               /cancel ends it); a file with the caption "/attach N", or sent as a reply
                               to the visit's card, goes there too
    /files N                   the files sent back (sendDocument / sendPhoto by file id), as the card's
                               "Files" button does; /detach N K takes the card's K-th file off

Why a command and not a form step: the list usually arrives after the visit is recorded (a planned
visit, an e-mail from the partner town), often pasted from a document. One message with the list is
the quickest way to record 30 names, and the head is the line that says "руководитель делегации".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Message, MessageOriginChannel, Update
from telegram.error import BadRequest

from bot.core.model import Language
from bot.core.visits import Visit, VisitInputError, is_skip
from bot.core.visits.files import MAX_DOCUMENT_BYTES, MAX_PHOTO_BYTES, FileKind, FileOffer, VisitFile
from bot.core.visits.people import head_of, parse_participant, parse_participants, with_head
from bot.handlers.chat import Context
from bot.handlers.staff_gate import StaffHere, staff_data, staff_here
from bot.handlers.visits.messages import reply, text_of, views
from bot.replies.visit_details import participant_pages
from bot.runtime import Runtime
from storage.visits import StaleVisitError

ATTACH_KEY = "attach_visit"  # user_data: {"visit": N, "chat": chat id, "until": ISO moment}
ATTACH_TIMEOUT = timedelta(minutes=15)
_NUMBER = re.compile(r"[#№]?([1-9][0-9]{0,11})")
_ATTACH_CAPTION = re.compile(r"^/attach(?:@\w+)?\s+[#№]?([1-9][0-9]{0,11})\b", re.IGNORECASE)
_CARD_NUMBER = re.compile(r"(?:Визит|Visit) #([1-9][0-9]{0,11})")  # a card's title (or its "saved" note)


def visit_number(text: str) -> int | None:
    match = _NUMBER.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def details_text(rt: Runtime, lang: Language, key: str, **params: object) -> str:
    return text_of(rt, lang, f"details.{key}", **params)


async def live_visit(update: Update, context: Context, lang: Language, number: int) -> Visit | None:
    """The visit to change, or None once the staff member was told it is missing or deleted."""
    rt = context.runtime
    visit = await rt.visits.get(number)
    if visit is None:
        await reply(update, context, text_of(rt, lang, "not_found", id=number))
        return None
    if visit.deleted:
        await reply(update, context, details_text(rt, lang, "deleted_visit", id=number))
        return None
    return visit


async def show_changed(update: Update, context: Context, lang: Language, visit: Visit, note: str) -> None:
    from bot.handlers.visits.card import card_keyboard  # card.py imports this module for its buttons

    rt = context.runtime
    await reply(update, context, views(rt).card(lang, visit, note), card_keyboard(rt, lang, visit))


# ---- participants and the head ---------------------------------------------------------------------


@staff_data("/participants", remember_actor=True)
async def participants_command(update: Update, context: Context, gate: StaffHere) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt, lang = context.runtime, gate.lang
    first_line, _, body = message.text.partition("\n")
    words = first_line.split(maxsplit=2)
    number = visit_number(words[1]) if len(words) > 1 else None
    if number is None:
        await reply(update, context, details_text(rt, lang, "participants_usage"))
        return
    visit = await live_visit(update, context, lang, number)
    if visit is None:
        return
    listed = "\n".join(part for part in (words[2] if len(words) > 2 else "", body) if part).strip()
    if not listed:
        for page in participant_pages(views(rt), lang, visit):
            await reply(update, context, page)
        return
    if is_skip(listed):
        people: tuple[Any, ...] = ()
    else:
        try:
            people = parse_participants(listed)
        except VisitInputError as error:
            header = "details.participants_not_saved"
            await reply(update, context, views(rt).errors(lang, error.errors, header=header))
            return
    try:
        changed = await rt.visits.set_participants(
            visit.id, people, gate.actor, expected_revision=visit.revision
        )
    except StaleVisitError as stale:
        await show_changed(update, context, lang, stale.current, text_of(rt, lang, "stale_card"))
        return
    head = head_of(changed.participants)
    if not people:
        note = details_text(rt, lang, "participants_cleared", id=visit.id)
    elif head is not None:
        note = details_text(
            rt, lang, "participants_saved_head", id=visit.id, count=len(people), head=head.line()
        )
    else:
        note = details_text(rt, lang, "participants_saved", id=visit.id, count=len(people))
    await show_changed(update, context, lang, changed, note)


@staff_data("/head", remember_actor=True)
async def head_command(update: Update, context: Context, gate: StaffHere) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    rt, lang = context.runtime, gate.lang
    words = message.text.strip().split(maxsplit=2)
    number = visit_number(words[1]) if len(words) > 1 else None
    if number is None or len(words) < 3:
        await reply(update, context, details_text(rt, lang, "head_usage"))
        return
    visit = await live_visit(update, context, lang, number)
    if visit is None:
        return
    try:
        head = None if is_skip(words[2]) else parse_participant(" ".join(words[2].split()))
        people = with_head(visit.participants, head)
        changed = await rt.visits.set_participants(
            visit.id, people, gate.actor, expected_revision=visit.revision
        )
    except VisitInputError as error:
        await reply(
            update, context, views(rt).errors(lang, error.errors, header="details.participants_not_saved")
        )
        return
    except StaleVisitError as stale:
        await show_changed(update, context, lang, stale.current, text_of(rt, lang, "stale_card"))
        return
    marked = head_of(changed.participants)
    note = (
        details_text(rt, lang, "head_saved", id=visit.id, head=marked.line())
        if marked is not None
        else details_text(rt, lang, "head_cleared", id=visit.id)
    )
    await show_changed(update, context, lang, changed, note)


# ---- files ------------------------------------------------------------------------------------------


def offer_of(message: Message) -> FileOffer:
    """What the message offers to attach, from what Telegram says about it (nothing is downloaded)."""
    from_channel = isinstance(message.forward_origin, MessageOriginChannel)
    if message.document is not None:
        document = message.document
        return FileOffer(
            FileKind.DOCUMENT,
            document.file_id,
            document.file_unique_id,
            document.file_name or "",
            document.mime_type or "",
            document.file_size,
            from_channel,
        )
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        return FileOffer(
            FileKind.PHOTO,
            largest.file_id,
            largest.file_unique_id,
            "",
            "image/jpeg",
            largest.file_size,
            from_channel,
        )
    return FileOffer(None, from_channel=from_channel)


@dataclass(frozen=True, slots=True)
class AttachTarget:
    visit_id: int
    pending: bool  # chosen by /attach N earlier (not by this message's caption or reply)


def attach_target(update: Update, context: Context) -> AttachTarget | None:
    """The visit a file is for: its caption "/attach N", the card it replies to, or a /attach N waiting."""
    message = update.effective_message
    if message is None:
        return None
    caption = _ATTACH_CAPTION.match(message.caption or "")
    if caption is not None:
        return AttachTarget(int(caption.group(1)), pending=False)
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        card = _CARD_NUMBER.search(replied.text or replied.caption or "")
        if card is not None:
            return AttachTarget(int(card.group(1)), pending=False)
    waiting = (context.user_data or {}).get(ATTACH_KEY)
    chat = update.effective_chat
    if isinstance(waiting, dict) and chat is not None and waiting.get("chat") == chat.id:
        try:
            until = datetime.fromisoformat(str(waiting.get("until")))
        except ValueError:
            return None
        if (
            until.tzinfo is not None
            and context.runtime.now() <= until
            and isinstance(waiting.get("visit"), int)
        ):
            return AttachTarget(int(waiting["visit"]), pending=True)
    return None


@staff_data("/attach", remember_actor=True)
async def attach_command(update: Update, context: Context, gate: StaffHere) -> None:
    rt, lang = context.runtime, gate.lang
    number = visit_number(context.args[0]) if context.args else None
    chat = update.effective_chat
    if number is None or chat is None:
        await reply(update, context, details_text(rt, lang, "attach_usage"))
        return
    visit = await live_visit(update, context, lang, number)
    if visit is None or context.user_data is None:
        return
    until = rt.now() + ATTACH_TIMEOUT
    context.user_data[ATTACH_KEY] = {"visit": visit.id, "chat": chat.id, "until": until.isoformat()}
    mb = 1024 * 1024
    text = details_text(
        rt,
        lang,
        "attach_waiting",
        id=visit.id,
        document_mb=MAX_DOCUMENT_BYTES // mb,
        photo_mb=MAX_PHOTO_BYTES // mb,
    )
    await reply(update, context, text)


def end_attaching(context: Context) -> int | None:
    """/cancel: the visit files were waiting for, if they were (and they are not any more)."""
    waiting = context.user_data.pop(ATTACH_KEY, None) if context.user_data is not None else None
    return (
        waiting.get("visit") if isinstance(waiting, dict) and isinstance(waiting.get("visit"), int) else None
    )


async def file_message(update: Update, context: Context) -> None:
    """A document, photo or other media: kept with a visit when it is meant for one, else the usual
    "text, please" of a private chat."""
    message = update.effective_message
    target = attach_target(update, context)
    if message is None or target is None:
        from bot.handlers.fallback import not_text  # fallback.py reads this package's button prefixes

        await not_text(update, context)
        return
    gate = await staff_here(update, context, "attach a file", remember_actor=True)
    if gate is None:
        return
    rt, lang = context.runtime, gate.lang
    visit = await live_visit(update, context, lang, target.visit_id)
    if visit is None:
        if target.pending:
            end_attaching(context)
        return
    try:
        changed, kept, new = await rt.visits.attach(visit.id, offer_of(message), gate.actor)
    except VisitInputError as error:
        await reply(update, context, views(rt).errors(lang, error.errors, header="details.attach_not_saved"))
        return
    except StaleVisitError:
        await reply(update, context, details_text(rt, lang, "deleted_visit", id=visit.id))
        return
    if not new:
        await reply(update, context, details_text(rt, lang, "attach_again", id=visit.id, name=kept.name))
        return
    note = details_text(rt, lang, "attach_saved", id=visit.id, name=kept.name, count=len(changed.files))
    await show_changed(update, context, lang, changed, note)


async def send_files(update: Update, context: Context, lang: Language, visit: Visit) -> None:
    """Every file of the visit, sent back by its Telegram file id, each with a caption naming it."""
    rt = context.runtime
    if not visit.files:
        await reply(update, context, details_text(rt, lang, "files_empty", id=visit.id))
        return
    await reply(update, context, details_text(rt, lang, "files_header", id=visit.id, count=len(visit.files)))
    for number, item in enumerate(visit.files, 1):
        caption = details_text(rt, lang, "file_caption", id=visit.id, number=number, name=item.name)
        try:
            await send_file(update, context, item, caption)
        except BadRequest:  # a file id Telegram no longer knows (another bot's, or a deleted file)
            await reply(update, context, details_text(rt, lang, "file_unavailable", name=item.name))


async def send_file(update: Update, context: Context, item: VisitFile, caption: str) -> None:
    message = update.effective_message
    if isinstance(message, Message):
        if item.kind is FileKind.PHOTO:
            await message.reply_photo(item.file_id, caption=caption, do_quote=False)
        else:
            await message.reply_document(item.file_id, caption=caption, do_quote=False)
        return
    chat = update.effective_chat
    if chat is None:
        return
    if item.kind is FileKind.PHOTO:
        await context.bot.send_photo(chat.id, item.file_id, caption=caption)
    else:
        await context.bot.send_document(chat.id, item.file_id, caption=caption)


@staff_data("/files")
async def files_command(update: Update, context: Context, gate: StaffHere) -> None:
    rt, lang = context.runtime, gate.lang
    number = visit_number(context.args[0]) if context.args else None
    if number is None:
        await reply(update, context, details_text(rt, lang, "files_usage"))
        return
    visit = await rt.visits.get(number)
    if visit is None:
        await reply(update, context, text_of(rt, lang, "not_found", id=number))
        return
    await send_files(update, context, lang, visit)


@staff_data("/detach", remember_actor=True)
async def detach_command(update: Update, context: Context, gate: StaffHere) -> None:
    rt, lang = context.runtime, gate.lang
    args = context.args or []
    number = visit_number(args[0]) if args else None
    position = visit_number(args[1]) if len(args) > 1 else None
    if number is None or position is None:
        await reply(update, context, details_text(rt, lang, "detach_usage"))
        return
    visit = await live_visit(update, context, lang, number)
    if visit is None:
        return
    if position > len(visit.files):
        error = VisitInputError.one("file", "file_not_found", number=position)
        await reply(update, context, views(rt).errors(lang, error.errors, header="details.attach_not_saved"))
        return
    item = visit.files[position - 1]
    try:
        changed = await rt.visits.remove_file(visit.id, item.id, gate.actor)
    except (VisitInputError, StaleVisitError):
        current = await rt.visits.get(visit.id)
        if current is not None:
            await show_changed(update, context, lang, current, text_of(rt, lang, "stale_card"))
        return
    await show_changed(
        update, context, lang, changed, details_text(rt, lang, "detached", id=visit.id, name=item.name)
    )
