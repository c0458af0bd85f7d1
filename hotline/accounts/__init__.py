"""Units (承办单位), users and their roles."""
