"""The ``requests`` service: public-space reports (signalements) and their follow-up.

The package is not called ``requests`` because nameko imports the HTTP library of that name.
"""
