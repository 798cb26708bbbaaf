"""Helpers the test suites share: clocks, databases, fake Twilio, WhatsApp and dashboard
drivers, factories."""
