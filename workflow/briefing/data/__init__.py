"""The curated data package: reading it, cutting it into one evidence slice per modality, the
outcomes' importance, what a curator's edit may not do, the denominators check, and new-study
rows."""
