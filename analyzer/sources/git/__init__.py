"""Git, read through one hardened runner: refs, diffs, blobs, worktrees, merge simulations."""
