"""The desk's screens (Textual). Only this package imports Textual; it calls the services and nothing below."""
