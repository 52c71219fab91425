"""GRADE: the bodies of evidence, risk of bias, imprecision, the build's proposals and the
certainty of each body. They return judgements; they never word them."""
