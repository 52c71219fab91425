"""Checks of inputs and outputs: the data package's validation, and the numeric audit of every
printed number in both directions."""
