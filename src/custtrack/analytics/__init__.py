"""Analytics: pure functions over DataFrames (pandas and scipy are imported only here)."""
