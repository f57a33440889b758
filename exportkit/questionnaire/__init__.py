"""Questionnaire engine: definitions, Excel template, import, validation, scoring."""
