"""The provider registry: settings.VIDEO_PROVIDERS maps a name to a VideoProvider class.

    get_provider("local")           the provider, enabled or not (takes in flight still need it)
    enabled_providers()             the providers new takes may use, in settings order
    refusal(provider, model)        why a new take may not use them, or "" when it may

A provider is switched off with settings.<NAME>_PROVIDER_ENABLED = False (environment:
NAME_PROVIDER_ENABLED=0), a single model by listing "provider/model" in settings.DISABLED_MODELS.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (
    Capabilities,
    JobStatus,
    ModelCapabilities,
    ProviderError,
    RenderSpec,
    VideoProvider,
)

__all__ = [
    "Capabilities",
    "JobStatus",
    "ModelCapabilities",
    "ProviderError",
    "RenderSpec",
    "VideoProvider",
    "enabled_models",
    "enabled_providers",
    "get_provider",
    "is_enabled",
    "refusal",
]


class UnknownProvider(LookupError):
    pass


def get_provider(name: str) -> VideoProvider:
    path = settings.VIDEO_PROVIDERS.get(name)
    if path is None:
        raise UnknownProvider(f"There is no video provider called {name!r}.")
    return import_string(path)()


def is_enabled(name: str) -> bool:
    return name in settings.VIDEO_PROVIDERS and bool(
        getattr(settings, f"{name.upper()}_PROVIDER_ENABLED", True)
    )


def enabled_providers() -> list[VideoProvider]:
    return [get_provider(name) for name in settings.VIDEO_PROVIDERS if is_enabled(name)]


def enabled_models(provider: VideoProvider) -> list[ModelCapabilities]:
    disabled = set(settings.DISABLED_MODELS)
    return [m for m in provider.capabilities.models if f"{provider.name}/{m.name}" not in disabled]


def refusal(provider_name: str, model_name: str) -> str:
    """Why a new take may not use this provider and model; "" when it may."""
    if provider_name not in settings.VIDEO_PROVIDERS:
        known = ", ".join(settings.VIDEO_PROVIDERS) or "none"
        return f'There is no provider "{provider_name}" (providers: {known}).'
    if not is_enabled(provider_name):
        return f'The provider "{provider_name}" is switched off on this studio.'
    provider = get_provider(provider_name)
    if provider.capabilities.model(model_name) is None:
        names = ", ".join(m.name for m in provider.capabilities.models)
        return f'{provider.label or provider_name} has no model "{model_name}" (models: {names}).'
    if f"{provider_name}/{model_name}" in settings.DISABLED_MODELS:
        return f'The model "{model_name}" of "{provider_name}" is switched off on this studio.'
    return ""
