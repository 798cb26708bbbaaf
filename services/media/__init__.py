"""The media store: photos and documents that came over WhatsApp, kept in one place.

Each inbound media item becomes a `Media` row when its message is stored (`intake`), is
downloaded from Twilio with the account's credentials by a background job with retries
(`fetch`, `worker`), checked on its declared type and on its bytes (`kinds`), written under
MEDIA_DIR named by its hash (`files`), then deleted at Twilio. Staff get it in WhatsApp
through expiring signed links of the app (`links`, `outbound`), and on the dashboard in
scope (`catalogue`).
"""
