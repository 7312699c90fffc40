"""Small front-end widgets (anywidget): each a few lines of JavaScript with a Python class.

Import each from its own module (``peerkit.frontend.<name>``): a participant's kernel loads
only the ones its page shows.
"""
