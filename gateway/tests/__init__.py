"""Unit tests of the gateway (a package, so pytest names them ``tests.*`` and leaves the
``gateway`` name to the real package, whose project folder is also called ``gateway``)."""
