"""Putting a briefing together: one modality's summary, its summaries of findings and headline, the
figure register, the combined briefing, what changed, a modality's printed edition, and the
analyses export."""
