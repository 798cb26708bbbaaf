"""Tickets: the event log, the lifecycle (open … rate), breaches, deadlines, the SLA
sweep and supervisors' ticket search."""
