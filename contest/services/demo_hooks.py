"""Later capabilities add their demo data here (a plain list of callables taking ``now``).

Each entry is a tiny wrapper that imports its module when called, so that importing this
list never creates an import cycle.
"""


def load_demo_bank(*, now) -> None:
    from contest.services.demo_bank import load_demo_bank as load

    load(now=now)


HOOKS: list = [load_demo_bank]


def load_demo_quiz(*, now) -> None:
    from contest.services.demo_quiz import load_demo_quiz as load

    load(now=now)


HOOKS.append(load_demo_quiz)


def load_demo_results(*, now) -> None:
    from contest.services.demo_results import load_demo_results as load

    load(now=now)


def load_demo_essay(*, now) -> None:
    from contest.services.demo_essay import load_demo_essay as load

    load(now=now)


HOOKS.extend([load_demo_results, load_demo_essay])
