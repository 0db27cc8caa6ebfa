"""The demo app at /demo: a sample host page with its own small backend (docs/guides/demo.md)."""
