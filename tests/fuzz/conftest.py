"""The fuzz tests' hypothesis profile for a deeper run by hand (ten times the examples, still
derandomized): `pytest tests/fuzz --hypothesis-profile=fuzz-deep`. CI runs the bounded counts."""

from hypothesis import settings

settings.register_profile("fuzz-deep", max_examples=1000)
