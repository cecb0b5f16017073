"""Side-by-side benchmarks against the field's reference tools (`rempart bench ...`)."""
