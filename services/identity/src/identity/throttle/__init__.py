"""Brute-force and abuse defence for password and one-time-code attempts (OWASP ASVS 5.0 V6.3).

Every failed attempt is a row (kind ``password`` or ``mfa``, account = the username's case-folded key, client IP,
time) in the database, so every replica sees the same counts; rows older than the window are pruned whenever a
failure is recorded. Before checking a password or a code, three counters over the last ``window`` (15 min) are
read, each with its own threshold:

- per (account, IP): ``per_pair`` failures (5): the attacker's own address slows down first;
- per account, all addresses: ``per_account`` (20), higher, so one address cannot block the account;
- per IP, all accounts: ``per_ip`` (50), looser still (shared NAT, proxies), against password spraying.

Past a threshold the next attempt must wait ``base * 2**(failures - threshold)`` seconds (1 s, 2 s, 4 s, ...)
after the last failure, capped at ``max_delay`` (15 min); until then the answer is 429 ``too_many_attempts``
with ``Retry-After`` and nothing is verified (no password hash computed, no failure counted).

The victim cannot be locked out for good: the back-off is temporary and capped, failures age out of the window,
and an account-wide back-off does not apply to a "known device": an (IP, user agent) pair that already completed
a sign-in (password and second factor) for this account. Those pairs are remembered per account; a successful
second factor also clears the failures of that (account, IP). The client IP is the ``x-forwarded-for`` the
gateway sets (it strips any the caller sent), else the socket peer.
"""
