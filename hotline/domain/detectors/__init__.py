"""Supervision detectors (天眼): each module is one detector, a set-based DuckDB query that
returns :class:`~hotline.domain.detectors.finding.Finding` rows with evidence and a plain
Chinese explanation."""
