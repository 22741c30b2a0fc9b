"""Chat platforms: each turns neutral replies into its own format and its events into commands."""
