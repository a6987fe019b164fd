"""Colab's output helpers; the copy has no frontend, so these only record what was asked."""

custom_widget_manager_enabled = False


def enable_custom_widget_manager() -> None:
    """In Colab: load third-party widgets (anywidget) in the output frame."""
    global custom_widget_manager_enabled
    custom_widget_manager_enabled = True


def disable_custom_widget_manager() -> None:
    global custom_widget_manager_enabled
    custom_widget_manager_enabled = False
