"""Every URL pattern of the project, walked from the root resolver (admin, allauth, API included).

Each pattern gets a key for the security matrix: its name (with namespace) where that is unique,
else its route. The second of two patterns with the same name is never reached by `reverse()`;
it is keyed `name@route` so that it needs an entry of its own.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Pattern:
    key: str
    name: str | None  # with namespace, for reverse(); None for unnamed patterns
    route: str  # the full route as ResolverMatch.route reports it
    callback: object

    @property
    def view_path(self) -> str:
        view = getattr(self.callback, "view_class", None) or self.callback
        return f"{view.__module__}.{view.__qualname__}"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = None
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), entry.callback


def all_patterns() -> list[Pattern]:
    """The project's URL patterns in resolution order."""
    patterns, seen = [], set()
    for name, route, callback in _walk(get_resolver()):
        key = name if name and name not in seen else (f"{name}@{route}" if name else route)
        if name:
            seen.add(name)
        patterns.append(Pattern(key=key, name=name, route=route, callback=callback))
    return patterns
