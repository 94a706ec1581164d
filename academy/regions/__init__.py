"""The 14 top-level divisions of Uzbekistan."""
