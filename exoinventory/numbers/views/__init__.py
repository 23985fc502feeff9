"""Views of the numbers app: thin, each calls a selector and renders."""
