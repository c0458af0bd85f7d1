"""Supervision (天眼) on the platform's own database: reports, CLI; cases and circulars next."""
