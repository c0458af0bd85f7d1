"""Data exchange with other platforms: imports of their requests (Open311 lives in open311/)."""
