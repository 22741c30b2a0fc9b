"""Vendor alert bot: scraped security news in, one updated alert per vendor event out."""

__version__ = "0.1.0"
