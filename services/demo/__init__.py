"""The demo: a made-up city-wide roster and cast, their scenes and scripts, played through
the real WhatsApp path on a simulated clock."""
