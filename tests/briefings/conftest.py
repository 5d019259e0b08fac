from datetime import UTC, datetime

import pytest
import time_machine

FROZEN_AT = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    """Briefing tests live on 1 March 2030, 12:00 UTC (sign-ins included)."""
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller
