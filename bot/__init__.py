"""Twin Towns Bot of the Kingisepp Municipal District international-relations office."""

__version__ = "0.1.0"
