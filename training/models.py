"""Training records arrive with the training issue; the app holds its place in the layers."""
