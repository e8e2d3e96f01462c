"""Settings for worker subprocesses started by the tests: the real ones plus the fake providers."""

from studio.settings import *  # noqa: F403
from tests.fakes.providers import FAKES

VIDEO_PROVIDERS = {**VIDEO_PROVIDERS, **FAKES}  # noqa: F405
