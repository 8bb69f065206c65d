"""The visit register as files and pictures, for `/export`, `/stats` (bot/handlers/reports.py) and
`twinbot export`. Pure Python, no telegram.

- `register`: the register as rows (localised labels, typed values) and the files' names;
- `files`: the CSV and XLSX writers (guarded against formula injection);
- `summary`: the statistics (visits per period by direction, per town);
- `stats`: /stats made from SQL aggregates, and its charts, redrawn when the register changes;
- `chart`: the statistics as a PNG.

XlsxWriter, openpyxl and matplotlib are imported lazily, inside the functions that need them, so that
starting the bot does not pay for them. The chart's caption (Telegram HTML) is a reply: bot/replies/stats.py.
"""
