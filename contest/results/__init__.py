"""Round results: the public winners pages and the organisers' results pages."""
