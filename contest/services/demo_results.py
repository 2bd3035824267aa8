"""Demo data for results (filled in below)."""


def load_demo_results(*, now) -> None:
    """Placeholder; replaced by the full demo loader."""
    return None
