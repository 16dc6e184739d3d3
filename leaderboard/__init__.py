"""Submission validation, aggregation, the static site and the Gradio app."""
