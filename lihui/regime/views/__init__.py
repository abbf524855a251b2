"""The regime's pages: the series, their windows and agenda template (`series`), and the
regime document (`document`)."""
