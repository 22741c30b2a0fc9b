"""Test support shared by the tests and the benchmarks (never installed): fakes and factories."""
