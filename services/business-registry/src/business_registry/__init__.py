"""Business registry service.

businesses (BN9), program accounts (BN15), registration with proof of knowledge, and the revenue agency's
register feed.
"""
