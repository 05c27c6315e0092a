"""`make soak`: a busy day, compressed, with faults, then every invariant checked."""
