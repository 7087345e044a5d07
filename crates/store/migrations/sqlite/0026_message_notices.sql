-- Private messages are noticed: an e-mail goes to a participant whose messages stay unread for
-- their chosen delay (minutes; 0: never), once per batch of unread messages (mailed_at: the
-- last message time an e-mail covered).
ALTER TABLE users ADD COLUMN message_mail_minutes INTEGER NOT NULL DEFAULT 15;
ALTER TABLE conversation_members ADD COLUMN mailed_at INTEGER NOT NULL DEFAULT 0;
