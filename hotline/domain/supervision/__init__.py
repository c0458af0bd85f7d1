"""Supervision engine (天眼): the events relation in DuckDB, handover metrics, the detectors'
runner and a city simulator with planted misconduct. Pure: no Django."""
