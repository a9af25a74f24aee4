"""Domain operations on a Session. No Typer, no Rich, no print: they return data or raise
CusttrackError subclasses."""
