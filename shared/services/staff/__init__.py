"""Staff-only services behind the console."""
