"""Rulings service: ruling requests and their lifecycle, documents and appeals."""
