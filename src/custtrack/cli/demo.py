"""demo: load the bundled example shop into a throw-away database and show it."""
