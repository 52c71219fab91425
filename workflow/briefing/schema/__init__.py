"""The shapes of what flows between the steps, as typed models."""
