"""Motion suite evaluation: scoring corrected motions against the clean sources of `pairs`."""
