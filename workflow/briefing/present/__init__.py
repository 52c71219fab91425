"""Presentation: every sentence (wording), the figures and their tables, key messages, the HTML and
PDF (render, typesetting), the Word edition and its tracked changes, and the reference exports."""
