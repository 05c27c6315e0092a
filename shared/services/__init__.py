"""What each function does: one service function per endpoint, over records and rules."""
