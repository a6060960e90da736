"""What a results page does to results, each flow in a module of its own: the dialog, the
worker that acts, the progress and the message at the end."""
