"""Calibration: what genuine sessions look like (profiles), and thresholds from false-alarm budgets."""
