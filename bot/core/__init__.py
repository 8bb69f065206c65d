"""The Telegram-free core: questions to answers, dates and calendar arithmetic. No telegram, no SQL."""
