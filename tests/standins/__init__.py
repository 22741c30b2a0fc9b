"""Stand-in servers for the chat platforms, run on 127.0.0.1 by the tests and the benchmark."""
