import copy as copy_module
import datetime
import importlib
import inspect
import uuid
import warnings
from typing import Any, Literal, TextIO

from dspy.clients.openai_format import (
    completion_to_lm_response,
    cost_from_response,
    lm_response_from_legacy_outputs,
    responses_to_lm_response,
    to_openai_chat_request,
    usage_from_response,
)
from dspy.core.types import LMHistoryEntry, LMRequest, LMResponse
from dspy.dsp.utils import settings
from dspy.utils.callback import BaseCallback, with_callbacks
from dspy.utils.inspect_history import pretty_print_history


class BaseLM:
    def _legacy_forward_kwargs(self, request: LMRequest) -> dict[str, Any]:
        """Convert a normalized request into kwargs for legacy `forward()` implementations."""
        data = to_openai_chat_request(request)
        data.pop("model", None)
        if request.config.cache is not None:
            if request.config.cache.enabled is not None:
                data["cache"] = request.config.cache.enabled
            if request.config.cache.rollout_id is not None:
                data["rollout_id"] = request.config.cache.rollout_id
        return data

    def _prompt_from_lm_request(self, request: LMRequest) -> str | None:
        """Return the legacy prompt when a normalized request is exactly one text user message."""
        if len(request.messages) != 1:
            return None
        message = request.messages[0]
        if message.role != "user" or len(message.parts) != 1:
            return None
        part = message.parts[0]
        return part.text if getattr(part, "type", None) == "text" else None

