"""The demonstration federation: synthetic exports, setup and the end-to-end run."""
