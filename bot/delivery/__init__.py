"""Delivery: outbox, workers per platform, rate limits, retries, edits and digests."""
