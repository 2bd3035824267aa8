"""Domain operations: plain data in and out, an explicit ``now`` and ``actor``; they flush,
the caller commits."""
