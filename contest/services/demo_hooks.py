"""Later capabilities add their demo data here (a plain list of callables taking ``now``)."""

HOOKS: list = []
