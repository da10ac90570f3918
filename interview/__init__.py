"""interview-verify analysis core: media, perception records, checks, summary. Never imports a UI."""

__version__ = "0.1.0"
