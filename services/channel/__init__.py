"""The WhatsApp channel: receiving a message once, conversation state, delivering the
outbox (sender thread), and the local simulator."""
