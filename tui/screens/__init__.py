"""The app's screens: home, results, the data viewer, and the results page's actions."""
