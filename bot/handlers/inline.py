"""Inline mode: `@bot narva` offers town cards (and the answer, when the query is a question)."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import BaseHandler, InlineQueryHandler

from bot.core.questions import Intent
from bot.core.text import script_language, words
from bot.handlers.chat import Context
from bot.replies.answers import Answers
from bot.replies.reply import plain_text
from bot.replies.towns import TownCards

MAX_RESULTS = 20
CACHE_SECONDS = 300
# answers not worth posting into a chat: a refusal ("I only know about the partner towns"), small talk,
# the bot's own help, or nothing at all; the town cards below are offered instead. A not_partner answer
# ("X is not on the list") stays: it is what the user wanted to find out.
NOT_SHARED = frozenset(
    {
        Intent.CARD,
        Intent.NO_MATCH,
        Intent.EMPTY,
        Intent.OFF_TOPIC,
        Intent.GREETING,
        Intent.THANKS,
        Intent.HELP,
    }
)


async def inline_query(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    rt = context.runtime
    text = query.query.strip()[:256]
    by_script = script_language(text)
    lang = by_script or await rt.preferences.language(query.from_user.id) or rt.default_language()
    replies = rt.replies()
    results: list[InlineQueryResultArticle] = []
    if text:
        answer = rt.engine.answer(text, lang, rt.today())
        towns = list(answer.towns)
        if answer.intent not in NOT_SHARED:
            reply = Answers(replies).answer(answer)
            results.append(
                InlineQueryResultArticle(
                    id=f"answer:{answer.intent.value}"[:64],
                    title=replies.t(lang, "inline.answer_title"),
                    description=plain_text(reply.text)[:200],
                    input_message_content=InputTextMessageContent(reply.text),
                )
            )
        if not towns:
            towns = [match.town for match in rt.directory.find(words(text))] or rt.directory.suggest(
                words(text), limit=5
            )
    else:
        towns = list(rt.directory.partners)
    for town in towns[:MAX_RESULTS]:
        card = TownCards(replies).card(lang, town)
        results.append(
            InlineQueryResultArticle(
                id=f"card:{town.key}",
                title=f"{replies.flag(town.country)} {town.name(lang)}",
                description=plain_text(
                    replies.t(
                        lang,
                        "inline.card_description",
                        country=replies.country(lang, town.country),
                        since=replies.format_since(lang, town.since),
                    )
                ),
                input_message_content=InputTextMessageContent(card.text),
            )
        )
    # without letters to go by, the results follow the user's own /lang choice: not for a shared cache
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=by_script is None)


def handlers() -> list[tuple[int, BaseHandler]]:  # type: ignore[type-arg]
    # block=False: an inline query waits for nobody (see residents.handlers)
    return [(0, InlineQueryHandler(inline_query, block=False))]
