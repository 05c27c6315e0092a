"""The caller path (requestCall, submitReport, extendCall, releaseCall, callerStats,
expireClaim): it imports no staff module."""
