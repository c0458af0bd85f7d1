"""Work orders (工单) and their append-only, hash-chained event log."""
