"""Rempart."""
