"""Free-text questions -> structured answers. Rendering into words is the locale layer's job.

- vocabulary.py: the words of questions (bot/data/question_words.toml), checked and loaded once
- reading.py: one question read once: language, keyword groups, towns, country, dates, ranges it names
- gazetteer.py: well-known places that are no partners (bot/data/places.toml)
- textsearch.py: the towns' text facts and descriptions, searched when nothing else answers
- faq.py: the office's own entries (/faq) and matching a question to one
- intents.py: the intent rules, one small function each, tried in order
- engine.py: QuestionEngine, which reads a question and asks the rules
- answers.py: Intent and Answer, what the renderer gets

Design (issue 8), and why. Residents' misses fell into classes, and each class got one mechanism that
reads *what kind of thing* a word is, instead of another phrase on a list:

- Slots, not phrases. reading.py extracts years, decades ("девяностые", "90-х", "the 2000s"), ranges
  (before/after/between), "N years ago", countries and a Europe scope once; rules combine them with
  keyword groups. "older than 1990" is a range, so it can no longer be read as "signed in 1990".
- A gazetteer for places. A name no list explains used to be guessed from capital letters, which
  cannot tell "Riga" from "Блин". A small shipped list of real places (Baltic and Nordic capitals and
  big towns, Russia's neighbouring regions and cities, neighbours' capitals), matched by stems and
  rapidfuzz typos, makes "is riga one of our twin towns" a plain "not a partner", while fillers and
  slang never are; the unknown-capitalised-word path remains only for a mid-sentence capital.
- Meaning and present tense are intents of their own (MEANING, STATUS): "what is a twin town" gets an
  explanation, "are we still friends with Narvik" gets the history plus the recorded status note and
  says plainly that today's activity is not known — never a guess.
- Numbers belong to their subject. A number next to sports or news words, or a year next to words no
  vocabulary explains and no partnership word, is off-topic, not "nothing was signed in 2018".
- Search before "I don't know". Every fact sentence and description is indexed by Snowball stems with
  rapidfuzz for near-misses (textsearch.py); two shared content stems and half of the question's are
  needed, so one common word never surfaces a fact. Cheap: an inverted index, run only at the end.
- The office's own answers (faq.py) are matched first, with token_sort_ratio over sorted stems, so staff
  can fix any miss from the chat in a minute; token_set_ratio is avoided (a subset would hijack town
  questions).

An embedding model was not used: no pip package here ships small multilingual weights, and the rules
above answer the held-out set within the latency budget (tests/bench.py) with explainable misses.
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
