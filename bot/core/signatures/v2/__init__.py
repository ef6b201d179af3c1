"""Signature version 2."""
