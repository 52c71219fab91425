"""The statistics: effects of single studies and between arms, meta-analysis, pooling, robustness
and subgroups. They compute values; they never word, lay out or draw them."""
