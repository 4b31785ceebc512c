"""One request through a service backend, with its output filled whatever happens.

The accuracy engine and the load generator both send through `send_one`, so a failure reads
the same in a sample's record and in a load run's failed requests.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pytest_aisbench.models.output import RequestOutput
from pytest_aisbench.utils.prompt import PromptType

if TYPE_CHECKING:  # the backends import the transports; callers already have them loaded
    from pytest_aisbench.models.api_models.base_api import BaseAPIModel

CANCELLED = "cancelled: the run ended before the request finished"


async def send_one(
    model: BaseAPIModel, prompt: PromptType, max_out_len: int, output: RequestOutput
) -> RequestOutput:
    """Send `prompt` (already rendered by the backend's template parser) into `output`.

    The backend records server faults in `output` itself; what escapes it (a bug in a user's
    hook) fails this request alone. Cancellation is recorded, then passed on.
    """
    try:
        await model.generate(prompt, max_out_len, output)
    except asyncio.CancelledError:
        output.success, output.error_info = False, CANCELLED
        raise
    except Exception as exc:  # a backend bug costs one request, not the run
        output.success, output.error_info = False, f"generate failed: {exc!r}"
    return output
