"""Database fixtures (owned by the store work; placeholder until then)."""
