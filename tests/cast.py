"""The shared cast lives in the package (the bench builds it too); tests import it from here."""

from sheetflow.testing.cast import PASSWORD, Cast, build_cast, person

__all__ = ["PASSWORD", "Cast", "build_cast", "person"]
