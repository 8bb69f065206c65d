"""twinbot run | console | ask | towns: the bot itself, and what it would answer, from the terminal."""

from __future__ import annotations

from bot.config import Settings
from bot.core.model import Language


def catalogue_text(settings: Settings, key: str, lang: Language | None = None) -> str:
    """A catalogue text in `lang` (the CLI's --lang), else [bot] default_language."""
    from bot.locale import catalogue

    return str(catalogue().raw(lang or settings.bot.default_language, key))


def run_bot(settings: Settings) -> int:
    from bot.service import run_service

    return run_service(settings)


async def console(settings: Settings) -> int:
    from bot.app import build_application
    from bot.console import run_console

    await run_console(settings, lambda s, request: build_application(s, request=request))
    return 0


async def ask(settings: Settings, question: str, lang: str | None) -> int:
    from bot.replies.answers import Answers
    from bot.runtime import open_runtime
    from bot.terminal import for_terminal

    runtime = await open_runtime(settings)
    try:
        fallback = lang if lang in ("ru", "en") else settings.bot.default_language
        answer = runtime.engine.answer(question, fallback, runtime.today())  # type: ignore[arg-type]
        reply = Answers(runtime.replies()).answer(answer)
        print(for_terminal(answer.language, reply.text))
        labels = [button.label for row in reply.buttons for button in row]
        if labels:  # the buttons the bot would show under the answer (some answers refer to them)
            print("\n" + "   ".join(f"[{label}]" for label in labels))
    finally:
        await runtime.close()
    return 0


async def towns(settings: Settings, lang: str | None = None) -> int:
    from bot.replies.towns import TownCards
    from bot.runtime import open_runtime
    from bot.terminal import cli_language, for_terminal

    language = cli_language(settings, lang)
    runtime = await open_runtime(settings)
    try:
        print(for_terminal(language, TownCards(runtime.replies()).towns_list(language).text))
    finally:
        await runtime.close()
    return 0
