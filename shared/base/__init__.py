"""Foundations every layer may use: clock, error tree, logging, lazy clients, field limits."""
