"""Helpers behind the spinal-metastasis pain evidence briefing.

The Snakemake rules, the per-modality notebook and the tests all call these modules, so every
figure in the briefing is computed by code that is tested once.
"""

__version__ = "0.1.0"
