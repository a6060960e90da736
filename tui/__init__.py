"""The results pages in the terminal and the command line."""
