-- The monthly digest (bot/public/digest.py): a subscription may opt in. Off unless the chat asks for it.
ALTER TABLE subscriptions ADD COLUMN digest INTEGER NOT NULL DEFAULT 0 CHECK (digest IN (0, 1));
