"""The process: settings, clock, database and schema, the runtime, the lease, health,
the context a use case runs in, message texts, the outbox queue and the transports."""
