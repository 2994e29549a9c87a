"""The outbox of chain writes: one handler per kind (`registry`), one signing path (`signing`), one
broadcast-and-receipts module (`broadcast`), one finality module (`finality`), and the loop
(`sender.Sender`). What a settled item changes in the database is in `bridge.services.settlement`."""
