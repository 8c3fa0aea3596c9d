"""Casework."""
