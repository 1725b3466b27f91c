"""The judge and the reporter: reminders, dashboards, signed logs, the catalog and demo data."""
