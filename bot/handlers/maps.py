"""/map: the partner towns on a map (the public page's map, as a PNG); a town card's "on the map"
button: the town as a venue, which Telegram draws itself (sendVenue)."""

from __future__ import annotations

import asyncio
import warnings

from telegram import InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler
from telegram.warnings import PTBUserWarning

from bot.core.model import Language
from bot.handlers.chat import Context, language_of, send
from bot.replies.reply import Reply, plain_text
from bot.replies.towns import CALLBACK_VENUE
from bot.runtime import Runtime

# sendVenue through do_api_request (see venue_button): PTB's hint to use send_venue instead is known
warnings.filterwarnings("ignore", message=".*Bot.sendVenue.*", category=PTBUserWarning)

_PICTURES: dict[tuple[int, Language], bytes] = {}


async def map_picture(rt: Runtime, lang: Language) -> bytes:
    """The PNG, drawn once per version of the towns and language (about half a second, off the loop)."""
    key = (rt.towns_version, lang)
    picture = _PICTURES.get(key)
    if picture is None:
        # the map and the views of the public pages: imported by the first /map, not at start
        from bot.public.map import TownMap
        from bot.public.views import PublicViews

        views = PublicViews(rt.replies())
        picture = await asyncio.to_thread(TownMap().png, rt.directory, lang, views)
        if len(_PICTURES) >= 8:
            _PICTURES.clear()
        _PICTURES[key] = picture
    return picture


async def map_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    rt = context.runtime
    lang = await language_of(update, context)
    replies = rt.replies()
    picture = await map_picture(rt, lang)
    if not picture:  # no home town with coordinates: nothing to centre the map on
        await send(message, Reply(replies.t(lang, "map.unavailable")))
        return
    from bot.public.map import TownMap

    missing = [town.name(lang) for town in TownMap().not_drawn(rt.directory)]
    caption: str = replies.t(lang, "map.caption")
    if missing:
        caption += "\n" + replies.t(lang, "public.map_not_drawn", names=", ".join(missing))
    await message.reply_photo(
        photo=InputFile(picture, filename="kingisepp-partners-map.png"),
        caption=caption,
        do_quote=message.chat.type != ChatType.PRIVATE,
    )


async def venue_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    rt = context.runtime
    lang = await language_of(update, context, getattr(query.message, "text", None))
    town = rt.directory.get(query.data.removeprefix(CALLBACK_VENUE))
    if town is None or town.latitude is None or town.longitude is None or query.message is None:
        await query.answer(rt.replies().t(lang, "input.stale_button", command="/towns"), show_alert=False)
        return
    await query.answer()
    replies = rt.replies()
    thread = getattr(query.message, "message_thread_id", None) if query.message.chat.is_forum else None
    venue: dict[str, object] = {
        "chat_id": query.message.chat.id,
        "latitude": town.latitude,
        "longitude": town.longitude,
        "title": f"{replies.flag(town.country)} {town.name(lang)}"[:256],
        "address": (plain_text(replies.place(lang, town)) or town.name(lang))[:256],
    }
    if thread is not None:
        venue["message_thread_id"] = thread
    # through do_api_request: PTB's send_venue would also send the default parse_mode, which sendVenue
    # does not take
    await context.bot.do_api_request("sendVenue", api_kwargs=venue, return_type=Message)


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    return [
        (0, CommandHandler("map", map_command, block=False)),
        (0, CallbackQueryHandler(venue_button, pattern=f"^{CALLBACK_VENUE}", block=False)),
    ]
