"""12345 government-service hotline platform (政务服务便民热线)."""
