"""The facts about machines: locations, equipment, status history and, later, maintenance."""
