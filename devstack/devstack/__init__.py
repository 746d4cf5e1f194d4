"""Stand-ins for the outside world on a developer machine and in tests."""
