# the offline application of the handler tests (recording request, spec validation, fixed clock)
from tests.handlers.conftest import harness

__all__ = ["harness"]
