"""The vocabulary every other module speaks (the registry of domains, statistics, units, designs),
how a number is printed, and writing files atomically."""
