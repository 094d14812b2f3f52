"""Per-question data access for the pages: lazy store scans that return small frames."""
