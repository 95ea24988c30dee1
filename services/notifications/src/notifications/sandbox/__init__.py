"""The local SMTP sink of the embedded default and the sandbox mailbox that reads what it received."""
