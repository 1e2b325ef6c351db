"""Pages a lower app links to but a higher app serves (the customer portal's messages, the inbox's
Twilio status webhook, and the lead and contact pages, the lead list, the home and search pages,
which shell composes): the lower app declares a `Link` for what it needs, in its own words, and
the app that serves the page provides how its address is built, at its AppConfig.ready. The
lower app so never names the higher one's URLs; a link nobody provides reads as "" (no page)."""

from collections.abc import Callable
from urllib.parse import urlencode


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


# The staff pages every app links to, which shell composes (it provides them at start-up).
LEAD_PAGE = Link("a lead's page")
CONTACT_PAGE = Link("a contact's page")
LEAD_LIST = Link("the lead list")
CONTACT_LIST = Link("the contact list")
HOME_PAGE = Link("the staff home page")
SEARCH_PAGE = Link("the search page")
# The notification list links to the member's email and SMS preferences, which messaging serves.
NOTIFICATION_PREFERENCES = Link("the member's email and SMS notification preferences")


def _id(row_or_id) -> int:
    return int(getattr(row_or_id, "pk", row_or_id))


def _with_query(path: str, query: dict) -> str:
    return f"{path}?{urlencode(query, doseq=True)}" if path and query else path


def lead_page(lead_or_id) -> str:
    return LEAD_PAGE.path(lead_id=_id(lead_or_id))


def contact_page(contact_or_id) -> str:
    return CONTACT_PAGE.path(contact_id=_id(contact_or_id))


def leads_list(**query) -> str:
    """The lead list, filtered or sorted by `query` (`leads_list(sort="created")`)."""
    return _with_query(LEAD_LIST.path(), query)


def contacts_list(**query) -> str:
    return _with_query(CONTACT_LIST.path(), query)


def home_page() -> str:
    return HOME_PAGE.path()


def search_page() -> str:
    return SEARCH_PAGE.path()


def around_id(page: Callable[[int], str]) -> tuple[str, str]:
    """A page's path split around its id (`around_id(lead_page)`), for code that builds many rows
    and puts each row's id between the two parts."""
    marker = 987654321987
    before, _, after = page(marker).partition(str(marker))
    return before, after


def staff_pages_provide(
    *,
    lead_page: Callable[[int], str],
    contact_page: Callable[[int], str],
    lead_list: Callable[[], str],
    contact_list: Callable[[], str],
    home: Callable[[], str],
    search: Callable[[], str],
) -> None:
    """The app serving the staff pages says how their paths are built (by id for the two
    pages)."""
    LEAD_PAGE.provide(lambda *, lead_id: lead_page(lead_id))
    CONTACT_PAGE.provide(lambda *, contact_id: contact_page(contact_id))
    LEAD_LIST.provide(lead_list)
    CONTACT_LIST.provide(contact_list)
    HOME_PAGE.provide(home)
    SEARCH_PAGE.provide(search)
