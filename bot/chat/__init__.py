"""The chat layer: everything an adapter may import. Both halves of the platform interface (ports.py:
incoming commands and outgoing messages, errors.py), the command specs, the argument parser, the
command service and the platform-neutral rendering of a story."""
