"""Colab secrets (the key icon in the left bar); in the Colab copy there are none."""


class SecretNotFoundError(Exception):
    """Raised, as in Colab, when no secret has the name asked for."""

    def __init__(self, key: str):
        super().__init__(f"Secret {key} does not exist.")


class NotebookAccessError(Exception):
    """Raised in Colab when the notebook was not granted access to a secret."""


def get(key: str) -> str:
    raise SecretNotFoundError(key)
