-- A pending subscription takes a handshake only while its registration's create call is open:
-- the registrar opens the window when it writes the row and closes it when the call returns, in
-- whichever process (daemon or `aegis webhooks register`) runs it. A crashed registration
-- leaves a window of at most a minute, not the ten the handshake timeout allows.
ALTER TABLE webhook_subscriptions ADD COLUMN handshake_until timestamptz;
