"""Fixtures shared with the fault tests."""

from tests.faults.conftest import throwaway_redis

__all__ = ["throwaway_redis"]
