"""Settings and the thin adapters around Firestore, Cloud Tasks, Firebase Auth and HTTP."""
