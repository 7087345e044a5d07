-- Editing and cancelling events (issue 4). SQLite dialect; keep in step with ../postgres/0013_event_changes.sql.

-- iCalendar SEQUENCE: incremented on every change calendars must pick up (times, place, title, cancellation).
ALTER TABLE events ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
-- Last change (iCalendar LAST-MODIFIED); NULL: never changed since creation.
ALTER TABLE events ADD COLUMN updated_at INTEGER;
-- Soft cancellation: the event stays visible, tagged "Cancelled", with STATUS:CANCELLED in calendars.
ALTER TABLE events ADD COLUMN cancelled_at INTEGER;
