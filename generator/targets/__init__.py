"""Output targets: each turns the IR into a model its templates print."""
