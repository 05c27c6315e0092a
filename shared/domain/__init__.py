"""Pure rules and documents: no I/O. Which entry to offer, lease arithmetic, tags, contact hours."""
