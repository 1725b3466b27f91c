"""People's qualifications: courses, requirements, training records, who may do what."""
