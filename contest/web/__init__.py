"""What every blueprint shares: error handling, security, rate limits, language, template
filters, shared form pieces, downloads and the organiser menu (docs/architecture.md)."""
