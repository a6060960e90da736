"""The filter: its syntax, the engine that answers it, the stored search text, regular expressions."""
