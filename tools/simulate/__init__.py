"""`make simulate`: a week in the life, on the production configuration (docs/simulation.md)."""
