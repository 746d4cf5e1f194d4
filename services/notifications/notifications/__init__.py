"""The ``notifications`` service: e-mails to citizens at each step of their requests."""
