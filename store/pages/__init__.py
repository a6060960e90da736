"""A results page: scope, order, selection, the rows it shows, and safe text for a terminal."""
