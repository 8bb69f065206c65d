"""Free-text questions -> structured answers. Rendering into words is the locale layer's job.

- vocabulary.py: the words of questions (bot/data/question_words.toml), checked and loaded once
- reading.py: one question read once: language, keyword groups, towns, country, dates it names
- intents.py: the intent rules, one small function each, tried in order
- engine.py: QuestionEngine, which reads a question and asks the rules
- answers.py: Intent and Answer, what the renderer gets
"""

from bot.core.questions.answers import Answer, Intent, agreements_matching, today_years
from bot.core.questions.engine import QuestionEngine
from bot.core.questions.reading import find_date
from bot.core.questions.vocabulary import VocabularyError

__all__ = [
    "Answer",
    "Intent",
    "QuestionEngine",
    "VocabularyError",
    "agreements_matching",
    "find_date",
    "today_years",
]
