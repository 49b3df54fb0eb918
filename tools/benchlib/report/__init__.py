"""The report: JSON summary and Markdown table (results.py), cell formatting (format.py)."""
