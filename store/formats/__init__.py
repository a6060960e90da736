"""JATOS's formats: zip reading and writing, results archives, metadata JSON, data values and limits."""
