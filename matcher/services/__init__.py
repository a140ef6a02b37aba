"""The matcher's services: plain functions over a Session that views, CLI and tests all call."""
