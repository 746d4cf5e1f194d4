"""The ``accounts`` service: citizen and agent accounts, sessions and FranceConnect links."""
