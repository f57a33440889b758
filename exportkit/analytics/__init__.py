"""Trade analytics: PPML gravity, ITC-style export potential, demand trends."""
