"""Pages a lower app links to but a higher app serves (the customer portal's messages, the inbox's
Twilio status webhook): the lower app declares a `Link` for what it needs, in its own words, and
the app that serves the page provides how its address is built, at its AppConfig.ready. The
lower app so never names the higher one's URLs; a link nobody provides reads as "" (no page)."""

from collections.abc import Callable


class Link:
    def __init__(self, what: str):
        self.what = what
        self._build: Callable[..., str] | None = None

    def provide(self, build: Callable[..., str]) -> None:
        """Say how the page's path is built (called with the link's keyword arguments)."""
        self._build = build

    @property
    def provided(self) -> bool:
        return self._build is not None

    def path(self, **kwargs) -> str:
        """The page's path, or "" while no installed app serves it."""
        return self._build(**kwargs) if self._build is not None else ""

    def __repr__(self) -> str:
        return f"Link({self.what!r})"
