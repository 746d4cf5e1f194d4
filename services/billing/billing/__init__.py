"""The ``billing`` service: invoices, the family ledger, online payment and receipts."""
