"""The ``family`` service: the Espace famille (SimpliCité), families and their Dossier Unique."""
