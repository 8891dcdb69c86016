"""`conflictscan backtest`: replay a repository's own merges and score the rules against
what git, alembic and Django really saw in the merged trees."""
