"""The package version, recorded in every manifest and result."""

__version__ = "0.1.0"
