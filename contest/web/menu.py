"""The organiser's home page cards. Each area's views module adds its own entry."""

LINKS: list[tuple[int, str, str, str]] = []


def add(order: int, endpoint: str, title: str, text: str) -> None:
    if not any(link[1] == endpoint for link in LINKS):
        LINKS.append((order, endpoint, title, text))
        LINKS.sort()
