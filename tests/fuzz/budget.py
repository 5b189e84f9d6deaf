"""How much the fuzz suite does: `FUZZ_SCALE` multiplies every example count (1 in `make test`,
large in `make fuzz`), and one hypothesis profile keeps every run reproducible."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("FUZZ_SCALE", "1")))

# Derandomized (a seed derived from each test), no example database, no deadline (a request to a
# subprocess takes what the shared machine gives it): the same run on every machine.
settings.register_profile(
    "fuzz",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def examples(per_scale: int) -> settings:
    """The settings of one fuzz test: `per_scale` examples at scale 1."""
    return settings(settings.get_profile("fuzz"), max_examples=per_scale * SCALE)
