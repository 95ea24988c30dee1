from portal_runtime.problems import PortalError


class LedgerError(PortalError):
    """Base of the ledger service's errors (rendered as RFC 9457 problems)."""
