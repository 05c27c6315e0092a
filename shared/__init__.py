"""Call queue: domain logic and adapters shared by every Cloud Function."""
