"""Reminders, dashboards and signed logs arrive with their issues."""
