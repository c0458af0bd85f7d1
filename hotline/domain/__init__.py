"""Pure domain core: no Django imports here, tested without a database."""
