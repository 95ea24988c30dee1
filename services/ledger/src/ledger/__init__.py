"""Ledger service.

program-account ledger, statements, notices, invoices, payments, declarations, tariff and duty calculator.
"""
