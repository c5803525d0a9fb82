"""Built in its own issue; installed now so the layout is whole."""
