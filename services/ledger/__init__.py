"""The allowance ledger and the per-officer monthly tally, and months as `YYYY-MM`."""
