"""Test support shared by every package: real PostgreSQL databases, a real Tansu broker, context tokens."""
