"""A stand-in for Colab's ``google.colab`` package, for the Colab copy (scripts/colab_copy.py).

Only what the course touches, behaving as Colab's does with no secrets set and no frontend: ``userdata.get``
raises ``SecretNotFoundError``; ``output.enable_custom_widget_manager()`` exists. The copy's kernel imports
this package at start-up, as Colab's kernel does, so ``"google.colab" in sys.modules`` is true.
"""
from . import output, userdata

__all__ = ["output", "userdata"]
