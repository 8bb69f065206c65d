"""The daily reminder pass: what is due, for whom, and delivery that is exactly-once.

One module per part: passes (planning, the pass over the ledger, delivery, catch-up), sending (the send
guard, the sender, what an error means), jobs (JobQueue wiring). The public names are importable from here.

Plan
----
A pass is *for a local day* D (in ``[reminders] timezone``). It computes the calendar events whose date
minus one of their lead days is D (bot.core.calendar.Calendar.due_on), matches them against the active
subscriptions plus the staff chat (which hears everything, planned visits included), and groups them per
chat: each chat gets one message per pass (split only if it would exceed 4096 characters).

Exactly-once protocol
---------------------
The delivery ledger (storage/ledger.py) has one row per (event, occurrence, chat, lead), UNIQUE.

1. **Record.** The pass inserts its rows with ``INSERT OR IGNORE`` as ``pending``. Running the pass again
   (a second pass the same day, a restart, cron and the bot at once) finds the rows already there and
   only ever works on those still ``pending``.
2. **Claim, as late as possible.** Right before the HTTP request leaves, *after* every rate-limit wait,
   one ``BEGIN IMMEDIATE`` transaction moves all rows of the message from ``pending`` to ``sending`` with
   a fresh claim token, and commits. If any row is no longer pending (another pass got there first), the
   claim fails as a whole and nothing is sent. The claim runs inside our rate limiter
   (bot/ratelimit.py, the "send guard") precisely so that the window between "claimed" and "on the wire"
   holds no waiting at all.
3. **Send, then settle**, in a second transaction, according to what Telegram answered:

   - a Message: ``sent`` (with the message id);
   - 429 (after the limiter's retries), a connection that was never made (connect error/timeout, pool
     timeout), or a 5xx answer: the message was certainly not delivered -> back to ``pending``, retried
     by a later run of the pass while the catch-up window is open. Inside the limiter, each 429 releases
     the claim while waiting (``after_refusal``) and the retry claims again;
   - 403 (blocked, kicked) or 400 "chat not found": ``blocked``, and that chat's subscription is switched
     off in the same transaction (audited, like every subscription change); everybody else still gets
     theirs;
   - "group chat was upgraded to a supergroup" (ChatMigrated, nothing delivered): ``failed`` for the old
     id; in the same transaction the subscription and the chat's language move to the new id (audited)
     and the same rows are recorded for it, and the message goes to the new id within the same pass;
   - another 400: ``failed`` (logged; a bug of ours, not retried);
   - no answer although the request may have arrived (read/write timeout, connection dropped mid-way):
     ``in_doubt``, never sent again.

4. **Crash recovery.** A process that dies between 2 and 3 leaves rows in ``sending``. They are not sent
   again (the request may well have been delivered); a later pass turns claims older than
   :data:`STALE_CLAIM_SECONDS` into ``in_doubt``.

So a reminder is **never sent twice**: a row is sent only from ``pending``, by the one attempt whose claim
committed, and it only returns to ``pending`` when Telegram's answer proves nothing was delivered. And
**nobody is skipped**: every row stays ``pending`` until an attempt was made for it, however often the pass
is interrupted; the only rows that can end without a certain delivery are those whose request was already
on the wire when the answer was lost (``in_doubt``, counted and logged) - with a late claim that is at
most the handful of requests in flight at that instant. Resending those would risk the duplicate, which
the office considered worse.

Catch-up
--------
:meth:`ReminderService.run_due` runs every pass whose time has come and that is not done: the scheduled
one, the one missed while the bot was down (the same day: sent as usual; after midnight: marked
"delayed", as long as it is within ``catch_up_hours`` of the missed send time; later it is logged and
skipped), one interrupted by a restart, and one whose rows are still ``pending`` after transient errors.
It runs at start (from post_init, as a JobQueue job) and every day at ``send_time`` (JobQueue.run_daily,
with an explicit misfire grace). Jobs carry nothing but their name; everything is re-read from the database.
"""

from bot.reminders.jobs import (
    CATCH_UP_JOB,
    DAILY_JOB,
    RETRY_JOB,
    RETRY_MINUTES,
    TOWNS_JOB,
    reminder_job,
    schedule,
    towns_job,
)
from bot.reminders.passes import (
    MAX_CATCH_UP_DAYS,
    SEND_WORKERS,
    STALE_CLAIM_SECONDS,
    Delivery,
    PassReport,
    ReminderService,
    describe_pass,
    load_calendar,
    scheduled_at,
)
from bot.reminders.sending import (
    SEND_READ_TIMEOUT,
    LedgerGuard,
    Outcome,
    Sender,
    TelegramSender,
    classify,
    masked,
)

__all__ = [
    "CATCH_UP_JOB",
    "DAILY_JOB",
    "MAX_CATCH_UP_DAYS",
    "RETRY_JOB",
    "RETRY_MINUTES",
    "SEND_READ_TIMEOUT",
    "SEND_WORKERS",
    "STALE_CLAIM_SECONDS",
    "TOWNS_JOB",
    "Delivery",
    "LedgerGuard",
    "Outcome",
    "PassReport",
    "ReminderService",
    "Sender",
    "TelegramSender",
    "classify",
    "describe_pass",
    "load_calendar",
    "masked",
    "reminder_job",
    "schedule",
    "scheduled_at",
    "towns_job",
]
