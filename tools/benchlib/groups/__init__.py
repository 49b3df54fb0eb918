"""One module per workload group; each is a mixin of Bench with its group_NAME method."""
