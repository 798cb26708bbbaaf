"""Use cases, one package per concern. Each package imports only those below it
(docs/ARCHITECTURE.md has the order and what each owns)."""
